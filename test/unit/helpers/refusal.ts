// The message of the BAD_USER_INPUT a call must refuse with.
import { DomainError } from '../../../src/errors';

export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('BAD_USER_INPUT');
    return (error as DomainError).message;
  }
  throw new Error('expected a BAD_USER_INPUT refusal');
}
