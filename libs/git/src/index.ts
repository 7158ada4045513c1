/**
 * @tide/git: the Git client sources are fetched with — isomorphic-git over node:http(s)
 * with a deadline, a byte budget, basic or bearer auth and a custom CA, or ssh2 over SSH
 * with a key and known_hosts. Resolves a GitRepository `spec.ref` to a commit with one
 * ls-remote, fetches only that commit (shallow where the ref allows), and reads its tree
 * without a working copy.
 */
export { GitError, redactUrl, type GitErrorReason } from './errors.js';
export { credentialsFromSecret, authorizationHeaders, type GitCredentials } from './auth.js';
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
export { sshCredentialsFromSecret, type SshCredentials } from './ssh-auth.js';
export {
  KnownHosts,
  describeHostKey,
  type HostKeyVerdict,
  type OfferedHostKey,
} from './ssh-known-hosts.js';
export { isSshUrl, parseSshUrl, sshServiceCommand, type SshAddress } from './ssh-url.js';
export {
  GitmodulesError,
  checkSubmodule,
  maxSubmoduleDepth,
  maxSubmodules,
  parseGitmodules,
  resolveSourceTree,
  resolveSubmoduleUrl,
  sameOrigin,
  type CheckedOutSubmodule,
  type FetchEntry,
  type SourceFile,
  type SourceTree,
  type SourceTreeOptions,
  type Submodule,
} from './submodules.js';
export { SparseCheckout, normalizeSparseCheckout } from './sparse.js';
export {
  GitObjectStore,
  InvalidTreeError,
  parseTree,
  type Gitlink,
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
