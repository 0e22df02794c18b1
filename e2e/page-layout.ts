/**
 * The layout checks every page gets at the three screen sizes people use
 * (a laptop, a 1080p desk screen, a 4K wall): nothing wider than the window,
 * the sidebar running the full height of the page, the page heading on screen,
 * and a screenshot attached to the test report for a person to look at.
 */
import { expect, test, type Page } from "@playwright/test";

export const SCREEN_SIZES = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "1080p", width: 1920, height: 1080 },
  { name: "4K", width: 3840, height: 2160 },
] as const;

export type ScreenSize = (typeof SCREEN_SIZES)[number];

/** Asserts the layout at the page's current size and attaches a screenshot named after the page and the size. */
export async function expectLayoutHolds(page: Page, label: string, size: ScreenSize, opts: { chrome?: boolean } = {}): Promise<void> {
  const chrome = opts.chrome ?? true;
  const m = await page.evaluate(() => {
    const doc = document.documentElement;
    const sidebar = document.querySelector('[data-testid="sidebar"]');
    const s = sidebar?.getBoundingClientRect();
    const heading = document.querySelector("main h1, h1");
    const h = heading?.getBoundingClientRect();
    return {
      innerWidth: window.innerWidth,
      scrollWidth: doc.scrollWidth,
      pageHeight: Math.max(doc.scrollHeight, window.innerHeight),
      sidebarTop: s ? s.top + window.scrollY : null,
      sidebarBottom: s ? s.bottom + window.scrollY : null,
      sidebarWidth: s ? s.width : null,
      headingText: heading?.textContent?.trim() ?? "",
      headingVisible: h ? h.width > 0 && h.height > 0 && h.left >= 0 && h.right <= window.innerWidth : false,
      // The outermost elements that run past the right edge, to name in a failure.
      overflowing: [...document.querySelectorAll("body *")]
        .filter((el) => {
          if (el.getBoundingClientRect().right <= window.innerWidth + 1) return false;
          // Content of a scroll box or a clipped box is not past the page's edge.
          for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== "visible") return false;
          }
          return true;
        })
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}${el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : ""}.${String(el.className).slice(0, 80)} (right ${Math.round(el.getBoundingClientRect().right)})`),
    };
  });
  expect(m.innerWidth, `${label}: viewport`).toBe(size.width);
  // Nothing runs off the right edge (a horizontal scroll bar on an operator's screen hides columns).
  expect(m.scrollWidth, `${label} at ${size.name}: page wider than the window; past the edge: ${m.overflowing.join("; ")}`).toBeLessThanOrEqual(m.innerWidth + 1);
  if (chrome) {
    expect(m.sidebarTop, `${label} at ${size.name}: the sidebar`).not.toBeNull();
    expect(m.sidebarTop!).toBeLessThanOrEqual(1);
    // Side by side from 1024 px (lg): the sidebar's panel runs the full height of the page, however long.
    expect(m.sidebarBottom!, `${label} at ${size.name}: the sidebar ends above the page's end`).toBeGreaterThanOrEqual(m.pageHeight - 1);
    expect(m.headingVisible, `${label} at ${size.name}: heading "${m.headingText}" on screen`).toBe(true);
  }
  await test.info().attach(`${label} at ${size.name} (${size.width}×${size.height})`, {
    // JPEG: a 4K PNG of the mesh takes seconds to encode on a busy machine, and the report holds 40 of them.
    body: await page.screenshot({ fullPage: false, type: "jpeg", quality: 70 }),
    contentType: "image/jpeg",
  });
}

/** Checks the page at `path` at every size, waiting for `ready` after each load. */
export async function expectLayoutAtEverySize(page: Page, label: string, path: string, ready: string, opts: { chrome?: boolean } = {}) {
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto(path);
    await page.locator(ready).first().waitFor();
    await expectLayoutHolds(page, label, size, opts);
  }
}
