/** Errors of the user domain: the HTTP layer maps each to its answer. */

export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
  constructor(
    readonly email: string,
    options?: { cause?: unknown },
  ) {
    super(`a user with email ${email} already exists`, options);
  }
}

export class UserNotFoundError extends Error {
  override readonly name = 'UserNotFoundError';
  constructor(readonly userId: string) {
    super(`no user ${userId}`);
  }
}
