import Foundation

/// Seconds since the Unix epoch (the edge where the wall clock enters; IPAM itself takes time as a value).
func unixNow() -> Int64 { Int64(Date().timeIntervalSince1970) }
