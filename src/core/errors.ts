/**
 * Domain errors: the lower layers (registry, drift, serving, toolchain) say what went wrong in their
 * own terms and know nothing of HTTP or exit codes. The API's one onError maps each kind to a status
 * and a problem+json body; the CLI maps each kind to a message and an exit code. A layer that needs a
 * more specific error subclasses one of these kinds.
 */

export interface FieldError {
  /** Dotted path of the offending field, e.g. `inputs.features.dims` or `window`. */
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  /** A short, fixed summary of the problem, e.g. "No such version"; each kind has a default. */
  title?: string;
  cause?: unknown;
}

export abstract class DomainError extends Error {
  readonly title: string | undefined;
  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.title = options.title;
  }
}

/** The caller's input is wrong; names every offending field. */
export class InvalidInputError extends DomainError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[] | FieldError, options?: DomainErrorOptions) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((e) => `${e.field}: ${e.message}`).join("; "), options);
    this.errors = list;
  }

  static field(field: string, message: string): InvalidInputError {
    return new InvalidInputError({ field, message });
  }
}

/** The body comes as a media type its target does not take (an image sent to a text model). */
export class UnsupportedMediaTypeError extends InvalidInputError {}

/** A model, version or file that does not exist. */
export class NotFoundError extends DomainError {}

/** The action does not apply to the current state (already active, pinned, no candidate, exists). */
export class ConflictError extends DomainError {}

/** Well-formed, but what it names cannot be used (a version that does not load, an unreadable manifest). */
export class UnprocessableError extends DomainError {}

/** A dependency failed or stayed contended for now; the same request may succeed later. */
export class UnavailableError extends DomainError {}
