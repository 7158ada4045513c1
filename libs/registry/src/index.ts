/**
 * @tide/registry: a small OCI distribution client for the image-reflector controller —
 * image references and canonical names, tag lists page by page, manifest digests, and
 * registry auth (basic, bearer-token challenge, dockerconfigjson Secrets) over node:http(s)
 * with timeouts, size bounds, retries, custom CA, client certificates and proxies.
 */
export { parseChallenges, type AuthChallenge } from './challenge.js';
export {
  RegistryClient,
  manifestMediaTypes,
  nextPage,
  retryAfterMs,
  type RegistryClientOptions,
  type RetryOptions,
  type TagScan,
} from './client.js';
export {
  credentialsFromDockerConfig,
  credentialsFromSecretData,
  dockerConfigHost,
  dockerConfigJsonKey,
  type RegistryCredentials,
} from './dockerconfig.js';
export { RegistryError, type RegistryErrorReason } from './errors.js';
export type { ConnectionOptions, RegistryProxy } from './http.js';
export {
  apiHost,
  dockerHubApiHost,
  dockerHubDomain,
  formatImageReference,
  parseImageReference,
  type ImageReference,
} from './reference.js';
