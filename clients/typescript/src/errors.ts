/** What the server said went wrong, from either API. */
export class NewsdeskError extends Error {
  /** The HTTP status (200 for a GraphQL answer that carried errors). */
  readonly status: number;
  /** GraphQL's `extensions.code` (`NOT_FOUND`, `BAD_USER_INPUT`, ...), or the problem's `type` over REST. */
  readonly code: string;
  /** Per-field messages of a 422 (REST) or a bad input (GraphQL). */
  readonly fields: { field: string; message: string }[];

  constructor(message: string, status: number, code: string, fields: { field: string; message: string }[] = []) {
    super(message);
    this.name = "NewsdeskError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** An `application/problem+json` body (RFC 9457), as REST sends every error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export function fromProblem(status: number, problem: Problem | undefined): NewsdeskError {
  const message = problem?.detail ?? problem?.title ?? `HTTP ${status}`;
  return new NewsdeskError(message, status, problem?.type ?? "about:blank", problem?.errors ?? []);
}
