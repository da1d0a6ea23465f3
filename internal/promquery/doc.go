// Package promquery reads series from Prometheus or a Thanos querier over the HTTP API, with the
// bearer token and CA a cluster's monitoring stack asks for (contract §5), and builds PromQL
// label matchers from request values so that user input is never pasted into a query unescaped.
//
// Range queries are evaluated on a fixed step; one query returns every series of one metric over
// the whole range, so callers issue one query per metric, not one per point.
package promquery
