import { badRequest, notFound, unsupportedPath, VaultHttpError, type VaultReply } from './vault-error';

interface KvVersion {
  data: Record<string, unknown> | null;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface KvSecret {
  versions: Map<number, KvVersion>;
  current: number;
  oldest: number;
  maxVersions: number;
  casRequired: boolean;
  customMetadata: Record<string, string> | null;
  created: string;
  updated: string;
}

function versionMeta(n: number, v: KvVersion): Record<string, unknown> {
  return { created_time: v.created_time, custom_metadata: null, deletion_time: v.deletion_time, destroyed: v.destroyed, version: n };
}

function versionList(body: Record<string, unknown>): number[] {
  const versions = body.versions;
  if (!Array.isArray(versions) || versions.length === 0) throw badRequest('no version number provided');
  return versions.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw badRequest(`invalid version number ${JSON.stringify(v)}`);
    return n;
  });
}

/** KV version 2 at one mount: data, metadata, delete, undelete, destroy (Vault's documented shapes). */
export class KvEngine {
  private readonly secrets = new Map<string, KvSecret>();

  constructor(
    private readonly defaultMaxVersions = 10,
    private readonly now: () => Date = () => new Date(),
  ) {}

  handle(method: string, sub: string, path: string, query: URLSearchParams, body: Record<string, unknown>): VaultReply {
    if (!path) throw unsupportedPath();
    switch (`${method} ${sub}`) {
      case 'GET data':
        return this.read(path, query.get('version'));
      case 'POST data':
      case 'PUT data':
        return this.write(path, body);
      case 'DELETE data':
        return this.deleteLatest(path);
      case 'GET metadata':
        return this.metadata(path);
      case 'POST metadata':
      case 'PUT metadata':
        return this.configure(path, body);
      case 'DELETE metadata':
        this.secrets.delete(path);
        return {};
      case 'POST delete':
      case 'PUT delete':
        return this.mark(path, versionList(body), (v) => {
          if (!v.destroyed && !v.deletion_time) v.deletion_time = this.now().toISOString();
        });
      case 'POST undelete':
      case 'PUT undelete':
        return this.mark(path, versionList(body), (v) => {
          if (!v.destroyed) v.deletion_time = '';
        });
      case 'POST destroy':
      case 'PUT destroy':
        return this.mark(path, versionList(body), (v) => {
          v.destroyed = true;
          v.data = null;
        });
      default:
        throw new VaultHttpError(405, ['unsupported operation']);
    }
  }

  private read(path: string, versionParam: string | null): VaultReply {
    const s = this.secrets.get(path);
    if (!s) throw notFound();
    const n = versionParam && versionParam !== '0' ? Number(versionParam) : s.current;
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid version "${versionParam}"`);
    const v = s.versions.get(n);
    if (!v) throw notFound();
    const payload = { data: v.destroyed || v.deletion_time ? null : v.data, metadata: versionMeta(n, v) };
    if (payload.data === null) throw new VaultHttpError(404, [], payload);
    return { data: payload };
  }

  private write(path: string, body: Record<string, unknown>): VaultReply {
    const data = body.data;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRequest('no data provided');
    const existing = this.secrets.get(path);
    const options = (body.options ?? {}) as Record<string, unknown>;
    const cas = options.cas;
    if (cas === undefined && existing?.casRequired) throw badRequest('check-and-set parameter required for this call');
    if (cas !== undefined) {
      const want = Number(cas);
      if ((existing?.current ?? 0) !== want) throw badRequest('check-and-set parameter did not match the current version');
    }
    const now = this.now().toISOString();
    const s: KvSecret = existing ?? { versions: new Map(), current: 0, oldest: 0, maxVersions: 0, casRequired: false, customMetadata: null, created: now, updated: now };
    s.current += 1;
    s.updated = now;
    s.versions.set(s.current, { data: { ...(data as Record<string, unknown>) }, created_time: now, deletion_time: '', destroyed: false });
    const max = s.maxVersions || this.defaultMaxVersions;
    for (const n of [...s.versions.keys()].sort((a, b) => a - b)) {
      if (s.versions.size <= max) break;
      s.versions.delete(n);
    }
    s.oldest = Math.min(...s.versions.keys());
    if (s.oldest === s.current && s.current === 1) s.oldest = 0;
    this.secrets.set(path, s);
    return { data: versionMeta(s.current, s.versions.get(s.current) as KvVersion) };
  }

  private deleteLatest(path: string): VaultReply {
    const s = this.secrets.get(path);
    const v = s?.versions.get(s.current);
    if (v && !v.destroyed && !v.deletion_time) v.deletion_time = this.now().toISOString();
    return {};
  }

  private metadata(path: string): VaultReply {
    const s = this.secrets.get(path);
    if (!s) throw notFound();
    const versions: Record<string, unknown> = {};
    for (const [n, v] of s.versions) versions[String(n)] = { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed };
    return {
      data: {
        cas_required: s.casRequired,
        created_time: s.created,
        current_version: s.current,
        custom_metadata: s.customMetadata,
        delete_version_after: '0s',
        max_versions: s.maxVersions,
        oldest_version: s.oldest,
        updated_time: s.updated,
        versions,
      },
    };
  }

  private configure(path: string, body: Record<string, unknown>): VaultReply {
    const now = this.now().toISOString();
    const s = this.secrets.get(path) ?? { versions: new Map(), current: 0, oldest: 0, maxVersions: 0, casRequired: false, customMetadata: null, created: now, updated: now };
    if (body.max_versions !== undefined) {
      const m = Number(body.max_versions);
      if (!Number.isInteger(m) || m < 0) throw badRequest('max_versions must be a non-negative integer');
      s.maxVersions = m;
    }
    if (body.cas_required !== undefined) s.casRequired = body.cas_required === true;
    if (body.custom_metadata !== undefined) {
      const c = body.custom_metadata;
      if (c !== null && (typeof c !== 'object' || Array.isArray(c) || Object.values(c).some((v) => typeof v !== 'string'))) throw badRequest('custom_metadata must be a map of strings');
      s.customMetadata = c === null ? null : { ...(c as Record<string, string>) };
    }
    this.secrets.set(path, s);
    return {};
  }

  private mark(path: string, versions: number[], change: (v: KvVersion) => void): VaultReply {
    const s = this.secrets.get(path);
    if (s) for (const n of versions) {
      const v = s.versions.get(n);
      if (v) change(v);
    }
    return {};
  }
}
