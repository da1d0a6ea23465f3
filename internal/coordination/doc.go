// Package coordination plans and carries out coordination workflows: one incident's resources
// across layers, in the order infrastructure → platform → application, with a health checkpoint
// after each layer.
//
// # Planning
//
// Plan finds each resource's layer from facts, never from words in a description: its kind (a
// Node or MachineConfigPool is infrastructure, a ClusterOperator platform), and for workloads
// their owner chain (a top controller that belongs to an operator OLM installed is platform) or
// their placement (a namespace of the platform, openshift-* or kube-*). It then looks where the
// workloads' pods run: a node that is NotReady or under pressure joins the plan as an
// infrastructure item and becomes the root cause. Every PlanItem says in Why how its layer was
// found.
//
// # Carrying out
//
// The Controller reconciles RemediationWorkflows that have a spec.plan (the executor leaves those
// alone). It starts one child workflow per item of the current layer through the workflow
// service (a ClusterOperator or MachineConfigPool item is a check instead: it passes once the
// object has recovered), mirrors the children's phases into its steps, and once every step of
// the layer is done runs the layer's checkpoint. Only a passed checkpoint opens the next layer;
// the application layer also waits while the cluster upgrades or a MachineConfigPool rolls out.
// A failed step or checkpoint fails the workflow, skips what is left and escalates the
// incident; all checkpoints passed complete it and resolve the incident.
//
// A failed step does not stop its siblings in the same layer: their children already act, and
// the checkpoint waits for their outcome so that the record says what was done.
package coordination
