// The Kubernetes manifests in deploy/k8s/, checked without a cluster: each document is validated against the
// Kubernetes OpenAPI schema (the validators that the kubernetes-models package generates from it), and against what
// the deployment promises: pinned images, the image's non-root user, secrets from the Secret, one volume per worker.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const K8S_DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));
/** The uid/gid deploy/Dockerfile creates its `geofed` user with. */
const GEOFED_UID = 10001;
const SECRET_NAME = 'geofed-secrets';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
}

/** The parts of a Deployment's or StatefulSet's spec these checks read (the schema check covers the rest). */
interface WorkloadSpec {
  replicas?: unknown;
  selector?: unknown;
  template: { spec: { containers: Container[]; securityContext?: unknown; volumes?: unknown[] } };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: WorkloadSpec;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

function loadManifests(): Manifest[] {
  const files = readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length > 0, `no manifests in ${K8S_DIR}`);
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((doc) => {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      return { file, ...(doc.toJS() as Omit<Manifest, 'file'>) };
    }),
  );
}

/** kubernetes-models lays its classes out by API version: 'v1' → kubernetes-models/v1, 'apps/v1' → .../apps/v1. */
async function modelFor(m: Manifest): Promise<ModelClass> {
  const group = (await import(`kubernetes-models/${m.apiVersion}`)) as Record<string, ModelClass | undefined>;
  const model = group[m.kind];
  assert.ok(model, `${m.file}: kubernetes-models has no ${m.apiVersion} ${m.kind}`);
  return model;
}

async function schemaErrors(m: Manifest): Promise<string | undefined> {
  const { file: _file, ...data } = m;
  const Model = await modelFor(m);
  try {
    new Model(data).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function workloads(manifests: Manifest[]): Manifest[] {
  return manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
}

const manifests = loadManifests();

describe('deploy/k8s manifests', () => {
  it('are valid Kubernetes objects by the OpenAPI schema', async () => {
    for (const m of manifests) {
      assert.equal(await schemaErrors(m), undefined, `${m.file}: ${m.kind} ${m.metadata.name}`);
    }
  });

  it('the schema check catches a broken manifest', async () => {
    const worker = manifests.find((m) => m.metadata.name === 'geofed-worker' && m.kind === 'StatefulSet');
    assert.ok(worker);
    const broken = structuredClone(worker);
    broken.spec!.replicas = 'two';
    delete broken.spec!.selector;
    const errors = await schemaErrors(broken);
    assert.match(errors ?? '', /replicas must be integer/);
    assert.match(errors ?? '', /must have required property selector/);
  });

  it('pin every image to a version', () => {
    for (const m of workloads(manifests)) {
      for (const c of m.spec!.template.spec.containers) {
        assert.match(c.image, /:[\w][\w.-]*$|@sha256:[0-9a-f]{64}$/, `${m.file}: ${c.name} image ${c.image} has no tag`);
        assert.doesNotMatch(c.image, /:latest$/, `${m.file}: ${c.name} image ${c.image} is not pinned`);
      }
    }
  });

  it('run GeoFed as the image user, owning its volumes', () => {
    const geofed = workloads(manifests).filter((m) => m.metadata.name !== 'geofed-redis');
    assert.deepEqual(geofed.map((m) => m.metadata.name).sort(), ['geofed-coordinator', 'geofed-worker']);
    for (const m of geofed) {
      assert.deepEqual(
        m.spec!.template.spec.securityContext,
        { runAsNonRoot: true, runAsUser: GEOFED_UID, runAsGroup: GEOFED_UID, fsGroup: GEOFED_UID },
        `${m.file}: ${m.metadata.name}`,
      );
    }
  });

  it('take the HMAC secret and the Redis password from the Secret, and Redis requires the password', () => {
    const containerOf = (name: string) => {
      const m = workloads(manifests).find((w) => w.metadata.name === name);
      assert.ok(m, `no workload ${name}`);
      return m.spec!.template.spec.containers[0];
    };
    const fromSecret = (name: string, variable: string) => containerOf(name).env?.find((e) => e.name === variable)?.valueFrom?.secretKeyRef;

    assert.deepEqual(fromSecret('geofed-coordinator', 'GEOFED_HMAC_SECRET'), { name: SECRET_NAME, key: 'hmac-secret' });
    assert.deepEqual(fromSecret('geofed-worker', 'REDIS_PASSWORD'), { name: SECRET_NAME, key: 'redis-password' });
    assert.deepEqual(fromSecret('geofed-redis', 'REDIS_PASSWORD'), { name: SECRET_NAME, key: 'redis-password' });

    const worker = containerOf('geofed-worker').env ?? [];
    const redisUrl = worker.find((e) => e.name === 'REDIS_URL')?.value;
    assert.equal(redisUrl, 'redis://:$(REDIS_PASSWORD)@geofed-redis:6379');
    // Kubernetes expands $(VAR) only from variables defined earlier in the list.
    assert.ok(worker.findIndex((e) => e.name === 'REDIS_PASSWORD') < worker.findIndex((e) => e.name === 'REDIS_URL'));

    const redisArgs = containerOf('geofed-redis').args ?? [];
    assert.equal(redisArgs[redisArgs.indexOf('--requirepass') + 1], '$(REDIS_PASSWORD)');
  });

  it('give each worker replica its own results volume', () => {
    const worker = manifests.find((m) => m.metadata.name === 'geofed-worker');
    assert.equal(worker?.kind, 'StatefulSet');
    assert.deepEqual(
      worker.spec?.volumeClaimTemplates?.map((t) => t.metadata.name),
      ['results'],
    );
    assert.equal(worker.spec!.template.spec.volumes, undefined, 'no shared claim mounted beside the per-replica one');
  });
});
