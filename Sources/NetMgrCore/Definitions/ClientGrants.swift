/// One application identity's grant (`cluster.clients[]`): the resources, and optionally
/// the LUs, it may open. Names or glob patterns (`*` any run of characters, `?` one).
public struct ClientGrant: Sendable, Located {
    /// The identity the entry is for: a client certificate's `netmgr:client:NAME` URI SAN
    /// (else its CN); with `cluster.tls: off` the HELLO client name, which is no authentication.
    public var identity: String
    /// Resource names or patterns; none written means the identity may open nothing.
    public var resources: [String]
    /// LU names or patterns; nil means every LU of the allowed resources.
    public var lus: [String]?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(identity: String, resources: [String], lus: [String]?, location: SourceLocation) {
        self.identity = identity
        self.resources = resources
        self.lus = lus
        self.location = location
    }

    /// Whether the grant covers LU `lu` of resource `resource`.
    public func allows(resource: String, lu: String) -> Bool {
        guard resources.contains(where: { NamePattern.matches($0, resource) }) else { return false }
        guard let lus else { return true }
        return lus.contains { NamePattern.matches($0, lu) }
    }
}

/// The limits on `clients:` and `max-clients`.
public enum ClientLimits {
    /// `nodes[].max-clients`: at least 1; the upper bound is far above any licence and
    /// keeps the count an ordinary number.
    public static let maxClientsRange = 1...1_000_000
}

/// Glob patterns for `clients:` entries: `*` matches any run of characters (also none),
/// `?` exactly one; everything else matches itself, case-sensitively.
public enum NamePattern {
    public static func isPattern(_ text: String) -> Bool { text.contains("*") || text.contains("?") }

    /// Iterative matching with one backtrack point (the last `*`): time is bounded by
    /// pattern length × name length, with no recursion whatever the input.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.unicodeScalars), n = Array(name.unicodeScalars)
        var pi = 0, ni = 0
        var star: (pattern: Int, name: Int)?
        while ni < n.count {
            if pi < p.count, p[pi] == "*" {
                star = (pi, ni)
                pi += 1
            } else if pi < p.count, p[pi] == "?" || p[pi] == n[ni] {
                pi += 1
                ni += 1
            } else if let back = star {
                pi = back.pattern + 1
                ni = back.name + 1
                star = (back.pattern, back.name + 1)
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

extension Definitions {
    /// The grant for an application identity; nil when `clients:` names it not (or is absent).
    public func grant(for identity: String) -> ClientGrant? {
        cluster.clients?.first { $0.identity == identity }
    }

    /// Whether the application `identity` may open LU `lu` of `resource`. Without a
    /// `clients:` section every application may open everything.
    public func authorises(_ identity: String, resource: String, lu: String) -> Bool {
        guard cluster.clients != nil else { return true }
        return grant(for: identity)?.allows(resource: resource, lu: lu) ?? false
    }
}
