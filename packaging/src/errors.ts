/** `npm run pack` cannot make a tarball: the message says which package and why. */
export class PackError extends Error {
  override readonly name = "PackError";
}
