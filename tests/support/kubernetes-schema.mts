// Validates Kubernetes objects against the Kubernetes API's own schema (OpenAPI, through the
// kubernetes-models validators), offline. Those packages are ES modules only, which jest (CommonJS
// here) cannot load, so tests run this file with Node (type stripping) through
// validateKubernetesObjects() in kubernetes.ts: a JSON array of objects on stdin, a JSON array of
// { object, problems } on stdout, one per object.
import { text } from 'node:stream/consumers';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';

type Validating = new (data: never) => { validate(): void };

/** The kinds deploy/kubernetes uses; any other kind is reported, never passed unchecked. */
const models: Record<string, Validating> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Namespace': Namespace,
  'v1 Service': Service,
};

interface TypedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
}

function problemsOf(object: TypedObject): string[] {
  const Model = models[`${object.apiVersion} ${object.kind}`];
  if (Model === undefined) return [`no schema here for apiVersion ${object.apiVersion} kind ${object.kind}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

const objects = JSON.parse(await text(process.stdin)) as TypedObject[];
const results = objects.map((object) => ({ object: `${object.kind}/${object.metadata?.name}`, problems: problemsOf(object) }));
process.stdout.write(JSON.stringify(results));
