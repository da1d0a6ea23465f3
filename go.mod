module selfhealing.dev/coordination-engine

go 1.26
