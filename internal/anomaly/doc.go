// Package anomaly analyses a workload's (or the cluster's) recent metrics for anomalies: it reads
// the five series the anomaly-detector model was trained on from Prometheus, one range query per
// metric on a one-minute grid, builds the model's 45-feature vectors (5 metrics × 9 features,
// metric-major), asks the model which minutes are anomalous and scores every metric at every
// minute. When the model or Prometheus is unavailable it says so and falls back to a robust
// z-score on the same series, so an analysis never fails because the ML side is down.
//
// Scoring (the model servers return only -1/1 flags, so the engine computes both numbers):
//
//	z      = 0.6745 · (x − median) / MAD over the analysed window (MAD = 0: the mean absolute
//	         deviation · 1.2533 stands in; both 0: z = 0 at the median, ∞ elsewhere)
//	s      = 1 − exp(−|z| / k), k = 3.5 / ln(1/0.3), so the Iglewicz–Hoaglin cut-off |z| = 3.5
//	         gives s = 0.7
//	score  = 0.4 + 0.6·s where the model flagged the minute, 0.6·s where it did not (the model
//	         vetoes: at most 0.6 < the default threshold 0.7), s without a model
//	conf   = (0.6 + 0.4·s)·d where the model flagged the minute, 0.6·s·d otherwise or without a
//	         model, d = min(1, samples/30): fewer than 30 minutes of data lower it
//
// An anomaly is a (metric, minute) whose score reaches the threshold (default 0.7).
package anomaly
