// Package watcher finds problems in the cluster without being told. It watches Pods, Deployments
// and Nodes (and, where the APIs exist, OpenShift's ClusterOperators and MachineConfigPools) on
// shared informers whose caches keep only the fields the detection rules read, groups the
// symptoms by workload and issue (300 crashing pods of one Deployment are one problem),
// debounces them, and hands one signal per problem to the intake; when the problem is gone it
// asks the intake to close the incident.
package watcher
