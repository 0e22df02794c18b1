/** A one-line error next to the thing that failed (form field, action), announced to screen readers. */
export function InlineError({ message, id, testId }: { message: string | null | undefined; id?: string; testId?: string }) {
  if (!message) return null;
  return (
    <p id={id} role="alert" data-testid={testId} className="text-sm font-medium text-red-300">
      {message}
    </p>
  );
}
