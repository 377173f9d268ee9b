import NIOCore
import NetMgrCore
import TN3270

/// Which LU an emulator gets from the TN server, as a value type: the map entry for its
/// address, named and generic requests, the pools, the LUs held by emulators on this node
/// and the ones kept for their last client after a disconnect (KEEPLU). The clock is passed
/// in with every event, so tests drive it.
///
/// A pool assignment is a function of the client's address and the pool alone (rendezvous
/// hashing: each LU of the pool gets a score from a stable hash of address and LU name,
/// the highest free one wins), so after a failover the other node, which knows nothing of
/// this node's assignments, gives a returning emulator the LU it had. LUs that are held
/// by other emulators, kept for other clients or taken by LAN applications are passed
/// over; that is where two nodes can disagree (see the README's rules).
struct TNLUAssigner {
    enum Decision: Equatable {
        case grant(lu: String, why: String)
        case reject(TN3270ERejectReason, why: String)
    }

    struct Reservation: Equatable {
        var client: IPAddress
        var until: NIODeadline
    }

    private(set) var settings: TNServerSettings
    /// The LUs of kind printer (the rest are terminals): a request's device type must fit.
    private(set) var printerLUs: Set<String>
    /// LUs held by a live emulator session on this node, with its client address.
    private(set) var held: [String: IPAddress] = [:]
    /// LUs kept for the client address that last held them, until the deadline.
    private(set) var reserved: [String: Reservation] = [:]

    init(settings: TNServerSettings, printerLUs: Set<String> = []) {
        self.settings = settings
        self.printerLUs = printerLUs
    }

    var keepLU: TimeAmount { .seconds(Int64(settings.keepLUSeconds)) }

    /// Printer device types: IBM-3287-1 and relatives (pr3287 asks as IBM-3287-1).
    static func isPrinter(deviceType: String) -> Bool { deviceType.uppercased().hasPrefix("IBM-3287") }

    /// The map entry that decides for `client`: the longest prefix that holds it, the first written on a tie.
    func mapEntry(for client: IPAddress) -> TNClientMap? {
        var best: (entry: TNClientMap, length: Int)?
        for entry in settings.map {
            for block in entry.clients where block.contains(client) {
                if best == nil || block.prefixLength > best!.length { best = (entry, block.prefixLength) }
            }
        }
        return best?.entry
    }

    /// Whether `entry` lets its clients ask for `name` by name: under `lus`, as `lu` or
    /// `printer-lu`, or in its `pool` or `printer-pool`.
    func maps(_ name: String, in entry: TNClientMap) -> Bool {
        if entry.lus.contains(name) { return true }
        for target in [entry.generic, entry.printerGeneric] {
            switch target {
            case .lu(let lu)?: if lu == name { return true }
            case .pool(let pool)?: if settings.pool(named: pool)?.lus.contains(name) ?? false { return true }
            case nil: break
            }
        }
        return false
    }

    /// Decides a request. `takenElsewhere` says whether an LU is owned by someone else in the
    /// router (a LAN application): such an LU is passed over in a pool, refused when named.
    /// `deviceType` tells printer requests (IBM-3287-*) from display ones (nil: a display).
    mutating func decide(_ target: TN3270ELUTarget, deviceType: String? = nil, from client: IPAddress, now: NIODeadline,
                         takenElsewhere: (String) -> Bool = { _ in false }) -> Decision {
        expire(now: now)
        let wantsPrinter = deviceType.map(Self.isPrinter(deviceType:)) ?? false
        if case .associate(let raw) = target {
            guard wantsPrinter else {
                return .reject(.invalidAssociate, why: "ASSOCIATE \(raw) as \(deviceType ?? "a display"): only printers (IBM-3287-1) associate with a display LU")
            }
            return associate(raw.uppercased(), client: client, takenElsewhere: takenElsewhere)
        }
        guard let entry = mapEntry(for: client) else {
            switch target {
            case .connect(let name): return .reject(.invalidName, why: "LU \(name) is not mapped for client \(client) (no cluster.tn-server.map entry holds its address)")
            default: return .reject(.unsupportedRequest, why: "a generic request from \(client), which no cluster.tn-server.map entry holds")
            }
        }
        let where_ = "map entry at \(entry.location)"
        let genericTarget = wantsPrinter ? entry.printerGeneric : entry.generic
        switch target {
        case .connect(let raw):
            let name = raw.uppercased()
            if case .pool(let pool)? = genericTarget, pool == name {
                return generic(genericTarget, printer: wantsPrinter, entry, client: client, takenElsewhere: takenElsewhere, asked: "pool \(name)")
            }
            guard maps(name, in: entry) else {
                return .reject(.invalidName, why: "LU \(name) is not mapped for client \(client) (\(where_))")
            }
            if printerLUs.contains(name) != wantsPrinter {
                let kind = printerLUs.contains(name) ? "a printer" : "a display (terminal)"
                return .reject(.invalidDeviceType, why: "LU \(name) is \(kind) LU, asked for as \(deviceType ?? "a display")")
            }
            if let why = busy(name, for: client, takenElsewhere: takenElsewhere, byName: true) { return .reject(.deviceInUse, why: "LU \(name): \(why)") }
            return .grant(lu: name, why: "asked for by name (\(where_))\(held[name] != nil ? "; takes over the session its address holds (takeover: same-address)" : "")")
        case .any:
            return generic(genericTarget, printer: wantsPrinter, entry, client: client, takenElsewhere: takenElsewhere,
                           asked: wantsPrinter ? "a generic printer request" : "a generic request")
        case .associate:
            return .reject(.invalidAssociate, why: "ASSOCIATE")  // handled above
        }
    }

    /// ASSOCIATE `display` (RFC 2355 §8): the printer paired with the display LU, for the
    /// client that holds the display here, or, when nobody holds it (pr3287 may come back
    /// before the emulator after a failover), for a client whose map entry gives it that
    /// display by name or that it is kept for.
    private func associate(_ display: String, client: IPAddress, takenElsewhere: (String) -> Bool) -> Decision {
        guard let pair = settings.printers.first(where: { $0.display == display }) else {
            return .reject(.invalidAssociate, why: "ASSOCIATE \(display): no printer goes with display LU \(display) (cluster.tn-server.printers)")
        }
        let printer = pair.printer
        if let holder = held[display] {
            guard holder == client else {
                return .reject(.invalidAssociate, why: "ASSOCIATE \(display): the display LU is held by client \(holder), not \(client)")
            }
        } else if let kept = reserved[display] {
            guard kept.client == client else {
                return .reject(.invalidAssociate, why: "ASSOCIATE \(display): the display LU is kept for client \(kept.client) (keep-lu)")
            }
        } else {
            guard let entry = mapEntry(for: client), maps(display, in: entry) else {
                return .reject(.invalidAssociate, why: "ASSOCIATE \(display): display LU \(display) is not mapped for client \(client), nor held by it")
            }
        }
        if let why = busy(printer, for: client, takenElsewhere: takenElsewhere, byName: true) { return .reject(.deviceInUse, why: "printer LU \(printer) of display \(display): \(why)") }
        return .grant(lu: printer, why: "ASSOCIATE \(display): its printer (printers entry at \(pair.location))")
    }

    private func generic(_ target: TNGenericTarget?, printer: Bool, _ entry: TNClientMap, client: IPAddress, takenElsewhere: (String) -> Bool, asked: String) -> Decision {
        switch target {
        case nil:
            let keys = printer ? "printer-lu or printer-pool" : "lu or pool"
            return .reject(.unsupportedRequest, why: "\(asked) from \(client): its map entry (\(entry.location)) has no \(keys) for generic requests")
        case .lu(let name)?:
            if let why = busy(name, for: client, takenElsewhere: takenElsewhere) { return .reject(.deviceInUse, why: "LU \(name): \(why)") }
            return .grant(lu: name, why: "\(asked): the LU mapped for \(client)")
        case .pool(let poolName)?:
            guard let pool = settings.pool(named: poolName) else {
                return .reject(.unsupportedRequest, why: "pool \(poolName) is not defined")
            }
            // An LU kept for this client comes first: it is the one it had.
            if let kept = pool.lus.first(where: { reserved[$0]?.client == client && held[$0] == nil && !takenElsewhere($0) }) {
                return .grant(lu: kept, why: "\(asked): pool \(pool.name), the LU kept for \(client)")
            }
            let ranked = Self.rank(pool.lus, for: client)
            for (position, lu) in ranked.enumerated() where busy(lu, for: client, takenElsewhere: takenElsewhere) == nil {
                return .grant(lu: lu, why: "\(asked): pool \(pool.name), rank \(position + 1) of \(ranked.count) for \(client)")
            }
            return .reject(.deviceInUse, why: "\(asked) from \(client): every LU of pool \(pool.name) is in use or kept for another client")
        }
    }

    /// Why `lu` cannot go to `client` now, or nil. A request naming the LU (`byName`) from the
    /// address whose session holds it takes it over with `takeover: same-address`; the caller
    /// closes the old session (`held[lu]` is still set when this says nil).
    private func busy(_ lu: String, for client: IPAddress, takenElsewhere: (String) -> Bool, byName: Bool = false) -> String? {
        if let holder = held[lu], !(byName && holder == client && settings.takeover == .sameAddress) {
            return "held by another emulator session (client \(holder))"
        }
        if let kept = reserved[lu], kept.client != client { return "kept for client \(kept.client) (keep-lu)" }
        if takenElsewhere(lu) { return "held by a LAN application session" }
        return nil
    }

    /// The session on `lu` is open: the LU is held until `release`.
    mutating func hold(_ lu: String, client: IPAddress) {
        held[lu] = client
        reserved[lu] = nil
    }

    /// The session on `lu` ended: kept for its client for `keep-lu` seconds (0: freed at once).
    mutating func release(_ lu: String, client: IPAddress, now: NIODeadline) {
        guard held[lu] == client else { return }
        held[lu] = nil
        if settings.keepLUSeconds > 0 { reserved[lu] = Reservation(client: client, until: now + keepLU) }
    }

    /// The LU's resource left this node: nothing of it is kept here any more.
    mutating func forget(_ lu: String) {
        reserved[lu] = nil
    }

    /// A definitions reload (issue 15 part 3, TNServer+Reload.swift): the new settings; the
    /// holds stay (their sessions go on), reservations stay for the LUs in `keeping` and keep
    /// their deadlines. Returns the reservations dropped.
    mutating func take(_ new: TNServerSettings, printerLUs: Set<String>, keepingReservationsOf keeping: Set<String>) -> [String: Reservation] {
        settings = new
        self.printerLUs = printerLUs
        let dropped = reserved.filter { !keeping.contains($0.key) }
        reserved = reserved.filter { keeping.contains($0.key) }
        return dropped
    }

    mutating func expire(now: NIODeadline) {
        reserved = reserved.filter { $0.value.until > now }
    }

    // MARK: - Rendezvous hashing

    /// The pool's LUs in the order `client` tries them: by a stable score of (address, LU),
    /// highest first, LU name on a tie. The same on every node and in every run.
    static func rank(_ lus: [String], for client: IPAddress) -> [String] {
        let key = Array(client.text.utf8)
        return lus.map { ($0, score(key, $0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// FNV-1a 64 over address, a separator and LU name, then the SplitMix64 finaliser so
    /// that names differing in one character spread over the whole range.
    static func score(_ key: [UInt8], _ lu: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key + [0] + Array(lu.utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
