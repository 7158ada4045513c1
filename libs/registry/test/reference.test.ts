import { describe, expect, it } from '@jest/globals';
import { RegistryError, apiHost, formatImageReference, parseImageReference } from '../src/index.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27', undefined],
    ['library/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/acme/app', 'docker.io', 'acme/app', undefined, undefined],
    ['acme/app', 'docker.io', 'acme/app', undefined, undefined],
    ['ghcr.io/acme/app/sub:v1', 'ghcr.io', 'acme/app/sub', 'v1', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/app', 'localhost:5000', 'app', undefined, undefined],
    ['127.0.0.1:5000/a/b:1.0.0', '127.0.0.1:5000', 'a/b', '1.0.0', undefined],
    ['[::1]:5000/app', '[::1]:5000', 'app', undefined, undefined],
    ['Registry/app', 'Registry', 'app', undefined, undefined],
    [`nginx@${digest}`, 'docker.io', 'library/nginx', undefined, digest],
    [`ghcr.io/acme/app:v2@${digest}`, 'ghcr.io', 'acme/app', 'v2', digest],
    ['a.b/c__d/e-f.g_h', 'a.b', 'c__d/e-f.g_h', undefined, undefined],
  ])('%s', (text, domain, path, tag, wantDigest) => {
    const reference = parseImageReference(text);
    expect(reference).toEqual({
      domain,
      path,
      name: `${domain}/${path}`,
      ...(tag === undefined ? {} : { tag }),
      ...(wantDigest === undefined ? {} : { digest: wantDigest }),
    });
  });

  it.each([
    ['', /empty/],
    [' nginx', /white space/],
    ['Nginx', /lowercase/],
    ['acme/App', /lowercase/],
    ['nginx:', /tag/],
    ['nginx:-x', /tag/],
    [`nginx:${'x'.repeat(129)}`, /tag/],
    ['nginx@sha256:abc', /digest/],
    [`nginx@sha256:${'A'.repeat(64)}`, /lowercase hex/],
    ['ghcr.io//app', /empty component/],
    ['ghcr.io/app/', /empty component/],
    ['ghcr.io/a..b', /path component/],
    ['ghcr.io/a-', /path component/],
    ['bad_host.io/app', /host name/],
    ['host:port/app', /port/],
    ['a'.repeat(64), /image ID/],
    [`ghcr.io/${'a'.repeat(250)}`, /longer than 255/],
    [':tag', /no repository/],
  ])('refuses %j', (text, why) => {
    let caught: unknown;
    try {
      parseImageReference(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as RegistryError).reason).toBe('InvalidReference');
    expect((caught as RegistryError).message).toMatch(why);
  });
});

describe('formatImageReference and apiHost', () => {
  it('prints the canonical name with tag and digest', () => {
    expect(formatImageReference(parseImageReference(`nginx:1@${digest}`))).toBe(
      `docker.io/library/nginx:1@${digest}`,
    );
  });
  it('sends Docker Hub traffic to registry-1.docker.io', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('localhost:5000')).toBe('localhost:5000');
  });
});
