import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import {
  addKustomizeFlags,
  kustomizeOptionsFrom,
  ArtifactHostError,
  defaultArtifactHosts,
  formatArtifactHost,
  isAllowedArtifactUrl,
  parseArtifactHost,
  parseArtifactHosts,
} from '../src/index.js';

const parseFlags = (args: string[]) => {
  const command = addKustomizeFlags(new Command('test'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  command.parse(args, { from: 'user' });
  return kustomizeOptionsFrom(command.opts());
};

describe('--artifact-hosts', () => {
  const defaults = defaultArtifactHosts('flux-system');
  const service = 'source-controller.flux-system.svc.cluster.local';

  it.each([
    [`http://${service}./gitrepository/ns/app/abc.tar.gz`, true],
    [`http://${service}/gitrepository/ns/app/abc.tar.gz`, true],
    [`http://${service}.:9090/gitrepository/ns/app/abc.tar.gz`, true],
    [`https://${service.toUpperCase()}./x`, true],
    [`http://source-controller.other.svc.cluster.local./x`, false],
    [`http://${service}.evil.example/x`, false],
    [`http://${service}@evil.example/x`, false],
    ['http://169.254.169.254/latest/meta-data/', false],
    ['http://127.0.0.1:9090/x', false],
    [`file:///${service}/x`, false],
    [`ftp://${service}/x`, false],
    ['not a url', false],
  ])('default hosts: %s → %s', (url, allowed) => {
    expect(isAllowedArtifactUrl(url, defaults)).toBe(allowed);
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:43210/x', true],
    ['127.0.0.1:9090', 'http://127.0.0.1:9090/x', true],
    ['127.0.0.1:9090', 'http://127.0.0.1:9091/x', false],
    ['artifacts.example:80', 'http://artifacts.example/x', true],
    ['artifacts.example:443', 'https://artifacts.example/x', true],
    ['artifacts.example:80', 'https://artifacts.example/x', false],
    ['[::1]:8080', 'http://[::1]:8080/x', true],
    ['[::1]', 'http://[0:0:0:0:0:0:0:1]:1/x', true],
    ['127.1', 'http://127.0.0.1/x', true],
    ['a.example', 'http://a.example./x', false],
    ['a.example.', 'http://a.example/x', false],
  ])('%s allows %s: %s', (entry, url, allowed) => {
    expect(isAllowedArtifactUrl(url, [parseArtifactHost(entry)])).toBe(allowed);
  });

  it.each([
    'http://artifacts.example',
    'artifacts.example/path',
    'user@artifacts.example',
    'artifacts.example:99999',
    'artifacts.example:0',
    'artifacts.example:port',
    '[not-ipv6]',
    '',
  ])('refuses the entry %j', (entry) => {
    expect(() => parseArtifactHost(entry)).toThrow(ArtifactHostError);
  });

  it('reads a comma-separated list and refuses an empty one', () => {
    expect(parseArtifactHosts(' a.example , b.example:9090 ,').map(formatArtifactHost)).toEqual([
      'a.example',
      'b.example:9090',
    ]);
    expect(() => parseArtifactHosts(' , ')).toThrow('at least one host');
  });

  it('is a flag: absent means the default of the namespace; given, it is parsed', () => {
    expect(parseFlags([]).artifactHosts).toBeUndefined();
    expect(parseFlags(['--artifact-hosts=127.0.0.1,[::1]:9090']).artifactHosts).toEqual([
      { hostname: '127.0.0.1' },
      { hostname: '[::1]', port: '9090' },
    ]);
    expect(() => parseFlags(['--artifact-hosts=http://evil.example/'])).toThrow('want host[:port]');
    expect(defaults.map(formatArtifactHost)).toEqual([`${service}.`, service]);
  });
});
