#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

// Thin wrappers so that numerical files need no platform imports of their own.
@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func expf_(_ x: Float) -> Float { expf(x) }
@inline(__always) func tanhf_(_ x: Float) -> Float { tanhf(x) }
@inline(__always) func exp_(_ x: Double) -> Double { exp(x) }
@inline(__always) func log_(_ x: Double) -> Double { log(x) }
@inline(__always) func powf_(_ x: Float, _ y: Float) -> Float { powf(x, y) }
