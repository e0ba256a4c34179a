import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');

/**
 * scripts/ensure-code-server.sh runs nested inside `npm test` / `npm run demo`. The outer npm's npm_*
 * variables (npm_config_user_agent "... node/v20 ...") must not reach the nested `npm install`s:
 * code-server's postinstall reads that user agent and refuses. A stand-in `npm` on PATH records the
 * environment it gets, in an empty cache, as the cold install would call it.
 */
describe('ensure-code-server.sh: nested npm installs get no npm_* environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-ecs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('drops the outer npm\'s variables, keeps the user\'s PATH, HOME and NPM_CONFIG_*', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const record = join(dir, 'npm-env.txt');
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\nenv > '${record}'\nexit 1\n`);
    chmodSync(join(bin, 'npm'), 0o755);
    const run = spawnSync('bash', [join(root, 'scripts', 'ensure-code-server.sh')], {
      encoding: 'utf8',
      timeout: 30000,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: dir,
        ENCLOG_CACHE: join(dir, 'cache'),
        NPM_CONFIG_REGISTRY: 'https://registry.example.invalid/',
        npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
        npm_lifecycle_event: 'test',
        npm_config_prefix: '/usr',
        npm_package_name: 'encrypted-log-inspector',
        npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
        INIT_CWD: root,
        NODE: process.execPath,
      },
    });
    assert.notEqual(run.status, 0, 'the stand-in npm fails the install');
    const env = readFileSync(record, 'utf8');
    assert.doesNotMatch(env, /^npm_/m, 'no npm_* variable reaches the nested npm');
    assert.doesNotMatch(env, /^(INIT_CWD|NODE)=/m);
    assert.match(env, /^NPM_CONFIG_REGISTRY=https:\/\/registry\.example\.invalid\/$/m, "the user's own npm config stays");
    assert.match(env, new RegExp(`^HOME=${dir}$`, 'm'));
    assert.match(env, new RegExp(`^PATH=${bin}:`, 'm'));
  });
});
