import { selfSignedCertificate } from '../support/self-signed';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler' with { 'resolution-mode': 'import' };
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with { 'resolution-mode': 'import' };
import {
  containerOf,
  kustomizations,
  named,
  objectsOfKind,
  overlays,
  podSpecOf,
  renderEveryKustomization,
  validateKubernetesObjects,
  type IDeployment,
  type KubernetesObject,
} from '../support/kubernetes';

/** deploy/kubernetes rendered as `kubectl apply -k` would, for the base and each overlay. */
const render = renderEveryKustomization();

const deploymentsOf = (dir: string): (IDeployment & KubernetesObject)[] => objectsOfKind<IDeployment>(render(dir), 'Deployment');
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);
/** CPU or memory quantities as numbers (millicores, bytes) to compare requests with limits. */
function quantity(value: string | number | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(value));
  if (match === null) throw new Error(`unexpected quantity ${value}`);
  const factors: Record<string, number> = { m: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(match[1]) * (match[2] === undefined ? 1000 : (factors[match[2]] ?? 1));
}

describe('the Kubernetes manifests (deploy/kubernetes), rendered by kustomize', () => {
  it('cover a base and at least a local and a production overlay', () => {
    expect(kustomizations).toEqual(expect.arrayContaining(['base', 'overlays/local', 'overlays/production']));
  });

  it.each(kustomizations)('%s: every object validates against the Kubernetes API schema', async (dir) => {
    const objects = render(dir);
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Namespace',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'Service',
      'Service',
    ]);
    const reports = await validateKubernetesObjects(objects);
    expect(reports.filter((report) => report.problems.length > 0)).toEqual([]);
    expect(reports).toHaveLength(objects.length);
  });

  it('the check refuses what the API server would: wrong types, bad enums, missing and misspelt fields, unknown kinds', async () => {
    const production = named<IDeployment>(render('overlays/production'), 'Deployment', 'english-practice-api');
    const invalid = structuredClone(production);
    const spec = podSpecOf(invalid);
    spec.containers[0]!.ports = [{ name: 'http', containerPort: 'three thousand' as unknown as number }];
    spec.topologySpreadConstraints![0]!.whenUnsatisfiable = 'Sometimes' as 'ScheduleAnyway';
    Reflect.deleteProperty(invalid.spec!, 'selector');
    // A typo the schema alone lets through, and a real cluster would refuse (or silently drop).
    const misspelt = structuredClone(production);
    Object.assign(podSpecOf(misspelt).containers[0]!, { readinessprobe: podSpecOf(misspelt).containers[0]!.readinessProbe });

    const reports = await validateKubernetesObjects([invalid, misspelt, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(reports[0]?.problems.join('\n')).toMatch(/containerPort must be integer/);
    expect(reports[0]?.problems.join('\n')).toMatch(/whenUnsatisfiable must be equal to one of the allowed values/);
    expect(reports[0]?.problems.join('\n')).toMatch(/must have required property selector/);
    expect(reports[1]?.problems).toEqual(['unknown field "spec.template.spec.containers[0].readinessprobe"']);
    expect(reports[2]?.problems).toEqual([
      'no schema here for apiVersion example.com/v1 kind Widget',
      'no Go type here for apiVersion example.com/v1 kind Widget',
    ]);
  });

  describe.each(kustomizations)('%s', (dir) => {
    it('runs every pod under the restricted Pod Security profile, which its namespace enforces', () => {
      const namespace = named<KubernetesObject>(render(dir), 'Namespace', 'english-practice');
      expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
      for (const deployment of deploymentsOf(dir)) {
        const spec = podSpecOf(deployment);
        expect(deployment.metadata.namespace).toBe('english-practice');
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
        expect(spec.automountServiceAccountToken).toBe(false);
        expect(spec.hostNetwork ?? false).toBe(false);
        for (const volume of spec.volumes ?? []) {
          expect(Object.keys(volume).filter((key) => key !== 'name')).toEqual([expect.stringMatching(/^(configMap|secret|emptyDir)$/)]);
        }
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          expect({ container: container.name, securityContext: container.securityContext }).toEqual({
            container: container.name,
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          });
        }
      }
    });

    it('gives every container CPU and memory requests, and limits at least as large', () => {
      for (const deployment of deploymentsOf(dir)) {
        const spec = podSpecOf(deployment);
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          const { requests, limits } = container.resources ?? {};
          for (const resource of ['cpu', 'memory']) {
            expect({ container: container.name, resource, limit: quantity(limits?.[resource]) >= quantity(requests?.[resource]) }).toEqual({
              container: container.name,
              resource,
              limit: true,
            });
          }
        }
      }
    });

    it('spreads every Deployment over zones and nodes, counting its own pods of one revision', () => {
      for (const deployment of deploymentsOf(dir)) {
        const spec = podSpecOf(deployment);
        const labels = deployment.spec?.template.metadata?.labels;
        const constraints = spec.topologySpreadConstraints ?? [];
        expect(constraints.map((constraint) => constraint.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
        for (const constraint of constraints) {
          expect(constraint.maxSkew).toBe(1);
          expect(matches(constraint.labelSelector?.matchLabels, labels)).toBe(true);
          expect(constraint.matchLabelKeys).toEqual(['pod-template-hash']);
        }
      }
    });

    it('protects every Deployment with a disruption budget that selects exactly its pods and lets one go at a time', () => {
      const budgets = objectsOfKind<IPodDisruptionBudget>(render(dir), 'PodDisruptionBudget');
      for (const deployment of deploymentsOf(dir)) {
        const covering = budgets.filter((budget) => matches(budget.spec?.selector?.matchLabels, deployment.spec?.template.metadata?.labels));
        expect({ deployment: deployment.metadata.name, budgets: covering.map((budget) => budget.spec) }).toEqual({
          deployment: deployment.metadata.name,
          budgets: [{ maxUnavailable: 1, selector: deployment.spec?.selector }],
        });
      }
    });

    it('rolls every Deployment out without taking a pod away before its replacement is ready', () => {
      for (const deployment of deploymentsOf(dir)) expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    });

    it('scales the API on CPU with an autoscaling/v2 autoscaler that owns its replica count', () => {
      const autoscalers = objectsOfKind<IHorizontalPodAutoscaler>(render(dir), 'HorizontalPodAutoscaler');
      expect(autoscalers).toHaveLength(1);
      const autoscaler = autoscalers[0]!;
      expect(autoscaler.apiVersion).toBe('autoscaling/v2');
      expect(autoscaler.spec?.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
      ]);
      expect(autoscaler.spec?.minReplicas).toBeLessThanOrEqual(autoscaler.spec?.maxReplicas ?? 0);
      const target = autoscaler.spec?.scaleTargetRef;
      expect(target).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      const api = named<IDeployment>(render(dir), 'Deployment', target?.name ?? '');
      // Utilization is measured against requests: every container of the pod needs a CPU request.
      for (const container of podSpecOf(api).containers) expect(quantity(container.resources?.requests?.cpu)).toBeGreaterThan(0);
      // A replica count in the Deployment would reset the autoscaler's at every apply.
      expect(api.spec?.replicas).toBeUndefined();
    });
  });

  it('the production overlay runs at least five API pods and never two API or edge pods on one node while another can take them', () => {
    const objects = render('overlays/production');
    expect(named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'english-practice-api').spec?.minReplicas).toBeGreaterThanOrEqual(5);
    for (const name of ['english-practice-api', 'english-practice-edge']) {
      const constraints = podSpecOf(named<IDeployment>(objects, 'Deployment', name)).topologySpreadConstraints ?? [];
      expect(constraints.find((constraint) => constraint.topologyKey === 'kubernetes.io/hostname')?.whenUnsatisfiable).toBe('DoNotSchedule');
    }
    const edge = named<{ spec?: { type?: string; externalTrafficPolicy?: string } }>(objects, 'Service', 'english-practice-edge');
    // Clients keep their own addresses, which the per-address limits key on.
    expect(edge.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });

  it.each(overlays)('%s pins every image to a tag (never latest, never none)', (dir) => {
    for (const deployment of deploymentsOf(dir)) {
      const spec = podSpecOf(deployment);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(container.image).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
      }
    }
  });

  it('the edge ConfigMap is a complete Nginx configuration: nginx -t accepts its main file with the includes beside it', async () => {
    const objects = render('overlays/production');
    const edge = named<IDeployment>(objects, 'Deployment', 'english-practice-edge');
    const nginx = containerOf(edge, 'nginx');
    const configVolume = podSpecOf(edge).volumes?.find((volume) => volume.configMap !== undefined);
    const data = named<{ data?: Record<string, string> }>(objects, 'ConfigMap', configVolume?.configMap?.name ?? '').data ?? {};
    const mountPath = nginx.volumeMounts?.find((mount) => mount.name === configVolume?.name)?.mountPath ?? '';
    const mainFile = nginx.env?.find((variable) => variable.name === 'NGINX_CONF')?.value ?? '';
    expect(mainFile.startsWith(`${mountPath}/`)).toBe(true);

    // The pod's folders, moved under a temporary one: the ConfigMap, the entrypoint's run folder, TLS.
    const root = mkdtempSync(join(tmpdir(), 'ep-k8s-nginx-'));
    try {
      const moved = (text: string): string =>
        text
          .replaceAll(mountPath, join(root, 'config'))
          .replaceAll('/run/english-practice-nginx', join(root, 'run'))
          .replaceAll('/etc/nginx/tls', join(root, 'tls'));
      for (const folder of ['config', 'run', 'tls']) mkdirSync(join(root, folder));
      for (const [file, text] of Object.entries(data)) writeFileSync(join(root, 'config', file), moved(text));
      // What docker/nginx-entrypoint.sh writes before it starts Nginx.
      writeFileSync(join(root, 'run', 'upstream-servers.conf'), 'server 127.0.0.1:3000 max_fails=0;\n');
      writeFileSync(
        join(root, 'run', 'edge-limits.conf'),
        'set $ep_rate_limits on;\nset $ep_shedding on;\nlimit_conn ep_inflight_all 128;\nlimit_conn ep_inflight_reads 96;\nlimit_conn ep_inflight_anonymous 64;\n',
      );
      await selfSignedCertificate(join(root, 'tls', 'tls.key'), join(root, 'tls', 'tls.crt'));
      // stdout a file: the access log is /dev/stdout, which cannot be opened on a socket.
      const stdout = openSync(join(root, 'stdout'), 'w');
      const check = spawnSync('nginx', ['-t', '-c', moved(mainFile)], { stdio: ['ignore', stdout, 'pipe'] });
      closeSync(stdout);
      expect(check.stderr.toString()).toMatch(/test is successful/);
      expect(check.status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
