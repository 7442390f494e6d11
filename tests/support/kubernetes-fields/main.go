// Command kubernetes-fields decodes Kubernetes objects into the API's own Go types the way the API
// server does (case-sensitive, unknown and duplicate fields refused: kubectl's default strict field
// validation). The kubernetes-models schema check (kubernetes-schema.mts) accepts fields it does not
// know, so a misspelt one (`readinessprobe`, `imagePullPolcy`) would pass it and be dropped or
// refused by a real cluster; this catches it offline. Input: a JSON array of objects on stdin.
// Output: a JSON array of {object, problems}, one per object.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsjson "sigs.k8s.io/json"
)

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

type report struct {
	Object   string   `json:"object"`
	Problems []string `json:"problems"`
}

// The kinds deploy/kubernetes uses; any other is reported, never passed unchecked.
var types = map[string]func() any{
	"apps/v1 Deployment":                     func() any { return &appsv1.Deployment{} },
	"autoscaling/v2 HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1 PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"v1 ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1 Namespace":                           func() any { return &corev1.Namespace{} },
	"v1 Service":                             func() any { return &corev1.Service{} },
}

func check(raw json.RawMessage) report {
	var meta typeMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return report{Object: "?", Problems: []string{err.Error()}}
	}
	result := report{Object: meta.Kind + "/" + meta.Metadata.Name, Problems: []string{}}
	newObject, known := types[meta.APIVersion+" "+meta.Kind]
	if !known {
		result.Problems = append(result.Problems, fmt.Sprintf("no Go type here for apiVersion %s kind %s", meta.APIVersion, meta.Kind))
		return result
	}
	strict, err := sigsjson.UnmarshalStrict(raw, newObject(), sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		result.Problems = append(result.Problems, err.Error())
	}
	for _, problem := range strict {
		result.Problems = append(result.Problems, problem.Error())
	}
	return result
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var objects []json.RawMessage
	if err := json.Unmarshal(input, &objects); err != nil {
		fmt.Fprintln(os.Stderr, "stdin is not a JSON array:", err)
		os.Exit(2)
	}
	reports := make([]report, 0, len(objects))
	for _, raw := range objects {
		reports = append(reports, check(raw))
	}
	if err := json.NewEncoder(os.Stdout).Encode(reports); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
