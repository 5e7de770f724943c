/// Carries a non-Sendable value (raw pointers, closures) into a concurrent region whose
/// callers guarantee that threads touch disjoint memory.
public struct UncheckedSendable<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}
