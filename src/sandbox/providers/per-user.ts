/**
 * Every sandbox user has their own provider data, seeded on first use: a test or a demo pays only
 * for the users it touches, and one user's writes never show up in another's account.
 */
export function perUser<T>(seed: (identifier: string) => T): (identifier: string) => T {
  const states = new Map<string, T>();
  return (identifier) => {
    let state = states.get(identifier);
    if (state === undefined) {
      state = seed(identifier);
      states.set(identifier, state);
    }
    return state;
  };
}
