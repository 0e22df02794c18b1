/**
 * Who is acting. There is no sign-in yet: every request acts as the server's
 * configured actor, which is "console-operator" by default.
 */
export const CONSOLE_OPERATOR = "console-operator";

export function OperatorIndicator() {
  return (
    <div className="rounded-lg border border-line bg-canvas px-3 py-2" data-testid="operator">
      <div className="text-xs font-semibold uppercase tracking-wider text-slate-400">Operator</div>
      <div className="font-mono text-base text-slate-100">{CONSOLE_OPERATOR}</div>
      <div className="text-xs text-slate-400">no sign-in yet</div>
    </div>
  );
}
