/// Printer LUs and TLS of the TN3270E server front end (issue 15 part 3).
///
/// `cluster.tn-server.printers` pairs a display LU with its printer LU, as z/OS TN3270's
/// LUMAP names the printer of a terminal LU and Microsoft HIS gives a display LU an
/// "associated printer": pr3287 `-assoc DISPLAY` (TN3270E DEVICE-TYPE REQUEST IBM-3287-1
/// ASSOCIATE DISPLAY, RFC 2355 §8) gets the printer paired with DISPLAY. Printers asked for
/// by name follow the map's `lus`, generic printer requests its `printer-lu`/`printer-pool`.
public struct TNPrinterAssociation: Sendable, Hashable, Located {
    /// The display (terminal) LU an emulator holds or may hold.
    public var display: String
    /// The printer LU that goes with it.
    public var printer: String
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(display: String, printer: String, location: SourceLocation) {
        self.display = display
        self.printer = printer
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool { a.display == b.display && a.printer == b.printer }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(display)
        hasher.combine(printer)
    }
}

/// Whether the plain TN server listener offers STARTTLS (`cluster.tn-server.starttls`).
public enum TNStartTLS: String, Sendable, CaseIterable {
    /// Never offered (the default): the listener is plaintext; use `tn-server-tls` for TLS.
    case off
    /// DO START_TLS first; an emulator that refuses goes on in plaintext.
    case offer
}

extension TNServerSettings {
    /// The printer paired with `display`, if any.
    public func printer(of display: String) -> String? {
        printers.first { $0.display == display }?.printer
    }
}
