import { RegistryError } from '../src/index.js';

/** The RegistryError `promise` rejects with; anything else (or no rejection) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}
