import { chromium } from "@playwright/test";
const B = "http://127.0.0.1:3761";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"] });
async function open(email, password, tag) {
  const ctx = await browser.newContext({ baseURL: B });
  const page = await ctx.newPage();
  const t0 = Date.now();
  page.on("request", (r) => r.url().includes("/api/trpc") && console.log(tag, Date.now() - t0, "REQ", r.url().slice(0, 140)));
  page.on("response", (r) => r.url().includes("/api/trpc") && console.log(tag, Date.now() - t0, "RES", r.status(), r.url().slice(0, 100)));
  page.on("requestfailed", (r) => console.log(tag, "FAILED", r.url().slice(0, 100), r.failure()?.errorText));
  const res = await page.request.post("/api/auth/sign-in/email", { data: { email, password } });
  console.log(tag, "signin", res.status());
  await page.goto("/mesh");
  return page;
}
const a = await open("viewer@demo.qecnet", "demo-viewer-2026", "A");
await a.getByTestId("mesh-graph").waitFor({ timeout: 20000 }).then(() => console.log("A graph ok"), (e) => console.log("A graph fail"));
const b = await open("analyst@demo.qecnet", "demo-analyst-2026", "B");
await b.getByTestId("mesh-graph").waitFor({ timeout: 20000 }).then(() => console.log("B graph ok"), (e) => console.log("B graph fail"));
await browser.close();
