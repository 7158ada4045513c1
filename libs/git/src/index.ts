/**
 * @tide/git: the Git client sources are fetched with — isomorphic-git over node:http(s)
 * with a deadline, a byte budget, basic or bearer auth, a custom CA, a TLS client
 * certificate and an HTTP proxy. Resolves a
 * GitRepository `spec.ref` to a commit with one ls-remote, fetches only that commit
 * (shallow where the ref allows), and reads its tree without a working copy.
 */
export { GitError, redactUrl, type GitErrorReason } from './errors.js';
export {
  credentialsFromSecret,
  authorizationHeaders,
  proxyFromSecret,
  type GitCredentials,
  type ProxySettings,
} from './auth.js';
export {
  checkUrl,
  defaultBranch,
  fetchCommit,
  listRemoteRefs,
  resolveReference,
  type FetchResult,
  type GitReference,
  type RemoteOptions,
  type ResolvedReference,
} from './repository.js';
export { highestMatchingTag } from './semver.js';
export {
  GitObjectStore,
  InvalidTreeError,
  parseTree,
  type TreeEntry,
  type TreeFile,
} from './tree.js';
export {
  PackError,
  PackReader,
  PackTooLargeError,
  defaultPackLimits,
  objectId,
  type GitObject,
  type PackLimits,
} from './pack.js';
export { checkoutTree, UnsafeCheckoutError } from './checkout.js';
