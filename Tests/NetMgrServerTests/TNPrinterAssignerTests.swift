import NIOCore
import NetMgrCore
@testable import NetMgrServer
import TN3270
import Testing

/// Printer LUs in the TN server's assigner (issue 15 part 3): ASSOCIATE with a display LU,
/// printers by name and generic, device types against LU kinds, and a random sequence of
/// requests, holds and releases that never breaks the invariants.
@Suite("TN server: printer LUs and ASSOCIATE")
struct TNPrinterAssignerTests {
    static let here = SourceLocation(file: "tn.yaml", line: 1, column: 1)
    static let printers: Set<String> = ["PRT01", "PRT02", "PRT03", "PRT04", "PRT05", "PRT06"]
    static let printer = "IBM-3287-1"

    static func settings(keepLU: Int = 60) -> TNServerSettings {
        var settings = TNServerSettings(location: here)
        settings.keepLUSeconds = keepLU
        settings.pools = [
            TNPool(name: "TERMS", lus: ["TERM01", "TERM02", "TERM03"], location: here),
            TNPool(name: "PRTPOOL", lus: ["PRT04", "PRT05", "PRT06"], location: here),
        ]
        var office = TNClientMap(clients: [AddressBlock(parsing: "10.1.0.0/16")!], lus: ["DISP01", "DISP02", "PRT03"], generic: .pool("TERMS"), location: here)
        office.printerGeneric = .pool("PRTPOOL")
        var fixed = TNClientMap(clients: [AddressBlock(parsing: "10.2.0.0/16")!], lus: ["DISP09"], generic: nil, location: here)
        fixed.printerGeneric = .lu("PRT03")
        settings.map = [office, fixed]
        settings.printers = [
            TNPrinterAssociation(display: "DISP01", printer: "PRT01", location: here),
            TNPrinterAssociation(display: "DISP02", printer: "PRT02", location: here),
            TNPrinterAssociation(display: "TERM01", printer: "PRT05", location: here),
        ]
        return settings
    }

    static func assigner(keepLU: Int = 60) -> TNLUAssigner { TNLUAssigner(settings: settings(keepLU: keepLU), printerLUs: printers) }
    static func address(_ text: String) -> IPAddress { IPAddress(text)! }
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static let a = address("10.1.1.1"), b = address("10.1.1.2"), outsider = address("192.0.2.1")

    @Test("ASSOCIATE: the display's printer for the client holding the display, or one whose map gives it the display")
    func associate() {
        var assigner = Self.assigner()
        // Nobody holds DISP01: a client whose map entry names it may associate (pr3287 first, or after a failover).
        #expect(assigner.decide(.associate("DISP01"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == "PRT01")
        #expect(assigner.decide(.associate("disp01"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == "PRT01", "names are case-insensitive")
        #expect(assigner.decide(.associate("DISP01"), deviceType: Self.printer, from: Self.outsider, now: Self.t0).reason == .invalidAssociate)
        // A pool display (TERM01) held by a: its printer for a, INV-ASSOCIATE for b.
        assigner.hold("TERM01", client: Self.a)
        #expect(assigner.decide(.associate("TERM01"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == "PRT05")
        #expect(assigner.decide(.associate("TERM01"), deviceType: Self.printer, from: Self.b, now: Self.t0).reason == .invalidAssociate)
        // Kept for a after a disconnect: still a's, not b's.
        assigner.release("TERM01", client: Self.a, now: Self.t0)
        #expect(assigner.decide(.associate("TERM01"), deviceType: Self.printer, from: Self.a, now: Self.t0 + .seconds(1)).lu == "PRT05")
        #expect(assigner.decide(.associate("TERM01"), deviceType: Self.printer, from: Self.b, now: Self.t0 + .seconds(1)).reason == .invalidAssociate)
        // No pair: INV-ASSOCIATE. A display device type cannot associate.
        #expect(assigner.decide(.associate("DISP09"), deviceType: Self.printer, from: Self.address("10.2.0.1"), now: Self.t0).reason == .invalidAssociate)
        #expect(assigner.decide(.associate("DISP01"), deviceType: "IBM-3278-2-E", from: Self.a, now: Self.t0).reason == .invalidAssociate)
        #expect(assigner.decide(.associate("DISP01"), from: Self.a, now: Self.t0).reason == .invalidAssociate)
        // The printer in use: DEVICE-IN-USE.
        assigner.hold("PRT01", client: Self.b)
        #expect(assigner.decide(.associate("DISP01"), deviceType: Self.printer, from: Self.a, now: Self.t0).reason == .deviceInUse)
        #expect(assigner.decide(.associate("DISP02"), deviceType: Self.printer, from: Self.a, now: Self.t0, takenElsewhere: { $0 == "PRT02" }).reason == .deviceInUse)
    }

    @Test("printers by name and generic; a device type that does not fit the LU's kind is INV-DEVICE-TYPE")
    func byNameAndGeneric() {
        var assigner = Self.assigner()
        #expect(assigner.decide(.connect("PRT03"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == "PRT03")
        #expect(assigner.decide(.connect("PRT05"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == "PRT05", "a printer-pool LU by name")
        #expect(assigner.decide(.connect("PRT01"), deviceType: Self.printer, from: Self.a, now: Self.t0).reason == .invalidName, "paired, not mapped by name")
        #expect(assigner.decide(.connect("PRT03"), deviceType: "IBM-3278-2-E", from: Self.a, now: Self.t0).reason == .invalidDeviceType)
        #expect(assigner.decide(.connect("DISP01"), deviceType: Self.printer, from: Self.a, now: Self.t0).reason == .invalidDeviceType)
        #expect(assigner.decide(.connect("DISP01"), deviceType: "IBM-3278-2-E", from: Self.a, now: Self.t0).lu == "DISP01")
        // Generic: printers from printer-pool (ranked like display pools), displays from pool.
        let ranked = TNLUAssigner.rank(["PRT04", "PRT05", "PRT06"], for: Self.a)
        #expect(assigner.decide(.any, deviceType: Self.printer, from: Self.a, now: Self.t0).lu == ranked[0])
        #expect(assigner.decide(.connect("PRTPOOL"), deviceType: Self.printer, from: Self.a, now: Self.t0).lu == ranked[0])
        #expect(["TERM01", "TERM02", "TERM03"].contains(assigner.decide(.any, deviceType: "IBM-3278-2-E", from: Self.a, now: Self.t0).lu ?? ""))
        #expect(assigner.decide(.any, deviceType: Self.printer, from: Self.address("10.2.0.1"), now: Self.t0).lu == "PRT03")
        #expect(assigner.decide(.any, from: Self.address("10.2.0.1"), now: Self.t0).reason == .unsupportedRequest)
        assigner.hold("PRT03", client: Self.a)
        #expect(assigner.decide(.any, deviceType: Self.printer, from: Self.address("10.2.0.1"), now: Self.t0).reason == .deviceInUse)
    }

    /// A small deterministic generator (SplitMix64), so a failure names its seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    @Test("random sequences: no LU is granted while held, a printer only to the holder of its display, kinds always fit",
          arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomSequences(seed: UInt64) {
        var random = Random(state: seed)
        var assigner = Self.assigner(keepLU: 5)
        let clients = ["10.1.1.1", "10.1.1.2", "10.2.0.1", "192.0.2.1"].map(Self.address)
        let names = ["DISP01", "DISP02", "DISP09", "TERM01", "TERM02", "PRT01", "PRT02", "PRT03", "PRT05", "PRTPOOL", "TERMS", "NOPE"]
        let types = [Self.printer, "IBM-3278-2-E", "IBM-3279-2"]
        var now = Self.t0
        /// Who holds what, as the handler does it: grant → hold; disconnect → release.
        var holding: [(lu: String, client: IPAddress)] = []
        for step in 0..<400 {
            now = now + .milliseconds(Int64(random.next() % 1500))
            if !holding.isEmpty, random.next() % 3 == 0 {
                let index = Int(random.next() % UInt64(holding.count))
                let gone = holding.remove(at: index)
                assigner.release(gone.lu, client: gone.client, now: now)
                continue
            }
            let client = random.pick(clients)
            let deviceType = random.pick(types)
            let target: TN3270ELUTarget
            switch random.next() % 3 {
            case 0: target = .any
            case 1: target = .connect(random.pick(names))
            default: target = .associate(random.pick(names))
            }
            let heldBefore = assigner.held
            let decision = assigner.decide(target, deviceType: deviceType, from: client, now: now)
            guard case .grant(let lu, _) = decision else { continue }
            if let holder = heldBefore[lu] {
                // Only a takeover: a request naming the LU (or its display) from the holder's address.
                let named: Bool
                if case .any = target { named = false } else { named = true }
                #expect(named && holder == client, "seed \(seed) step \(step): \(lu) granted while held by \(holder)")
                // The handler closes the old session, which releases the LU.
                holding.removeAll { $0.lu == lu }
                assigner.release(lu, client: holder, now: now)
            }
            #expect(Self.printers.contains(lu) == TNLUAssigner.isPrinter(deviceType: deviceType), "seed \(seed) step \(step): \(lu) as \(deviceType)")
            if let kept = assigner.reserved[lu] { #expect(kept.client == client, "seed \(seed) step \(step): \(lu) kept for \(kept.client), given to \(client)") }
            if case .associate(let display) = target {
                let upper = display.uppercased()
                #expect(Self.settings().printer(of: upper) == lu)
                if let holder = heldBefore[upper] { #expect(holder == client, "seed \(seed) step \(step): printer of \(upper) to \(client), display held by \(holder)") }
            }
            assigner.hold(lu, client: client)
            holding.append((lu, client))
        }
    }
}
