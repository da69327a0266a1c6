/** The newest modification time (ms) under src/, directories included. */
export function newestSource(root: string): number;
/** True when dist/ holds a build of exactly the current sources. */
export function distIsCurrent(root: string): boolean;
