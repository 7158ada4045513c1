/**
 * @tide/artifact: what sources produce and consumers download. Deterministic tar.gz
 * tarballs with `sha256:` digests, storage laid out as `<kind>/<namespace>/<name>/<file>`
 * with retention, the HTTP server that serves it, and the fetch-verify-extract client.
 */
export {
  buildTarball,
  buildTar,
  writeTarball,
  normalizeEntryPath,
  UnsafeTarballEntryError,
  type TarEntry,
  type TarOptions,
} from './tarball.js';
export { sha256Digest, parseDigest } from './digest.js';
export { IgnoreMatcher, defaultExclusions, sourceIgnoreFile, type IgnoreRules } from './ignore.js';
export { escapingLinks, LinkTable } from './tree.js';
export { isInsideRoot, maxLinkHops, physicalPath } from './paths.js';
export {
  readTarball,
  gunzipBounded,
  defaultArchiveLimits,
  ArchiveTooLargeError,
  type ArchiveInput,
  type ArchiveLimits,
} from './read.js';
export {
  Storage,
  StorageError,
  UntrustedArtifactError,
  ArtifactNotStoredError,
  type Artifact,
  type RecordedArtifact,
  type UntrustedArtifactField,
  type ArtifactOwner,
  type StorageOptions,
} from './storage.js';
export { startArtifactServer, type ArtifactServer, type ArtifactServerOptions } from './server.js';
export {
  fetchArtifact,
  fetchArtifactToFile,
  extractTarball,
  UnsafeArchiveError,
  type FetchArtifactOptions,
} from './client.js';
export {
  download,
  downloadToFile,
  ArtifactFetchError,
  type DownloadedFile,
  type ArtifactFetchReason,
  type DownloadOptions,
} from './download.js';
export { redactUrl, redactUrlsIn, hasUserInfo, isCleartextToNetwork } from './url.js';
export {
  openRequest,
  proxyAuthorization,
  tunnelThrough,
  type ConnectionSettings,
  type OutgoingRequest,
  type TunnelFailure,
  type TunnelProxy,
  type TunnelTls,
} from './tunnel.js';
