import NIOCore

/// Joins the blocks of one message (ETB … ETX) for one LU, bounded. Shared by both stations.
struct BasicModeMessageAssembler: Sendable {
    let maximumMessageLength: Int
    private var partial: (lu: UInt8, text: ByteBuffer)?

    init(maximumMessageLength: Int) {
        self.maximumMessageLength = maximumMessageLength
    }

    enum Result: Sendable {
        case none
        case message(lu: UInt8, payload: ByteBuffer)
        case discarded(BasicModeDiscardReason)
    }

    /// A good block (block check matched).
    mutating func add(_ block: BasicModeTextBlock) -> Result {
        guard let lu = block.luLocalAddress else {
            partial = nil
            return .discarded(.noLUHeading)
        }
        var text: ByteBuffer
        if let partial, partial.lu == lu {
            text = partial.text
            guard text.readableBytes + block.text.readableBytes <= maximumMessageLength else {
                self.partial = nil
                return .discarded(.messageTooLong(limit: maximumMessageLength))
            }
            var more = block.text
            text.writeBuffer(&more)
        } else {
            // A message of another LU that never ended is dropped.
            text = block.text
        }
        if block.end == .endOfText {
            partial = nil
            return .message(lu: lu, payload: text)
        }
        partial = (lu, text)
        return .none
    }

    mutating func reset() { partial = nil }
}

/// Why a station delivered nothing from a block whose check matched (it answers NAK).
public enum BasicModeDiscardReason: Hashable, Sendable, CustomStringConvertible {
    /// The heading is missing or is not netmgr's LU heading.
    case noLUHeading
    /// ETB blocks of one message added up to more than the limit.
    case messageTooLong(limit: Int)

    public var description: String {
        switch self {
        case .noLUHeading: return "text block without an LU heading (SOH \"L\" h h)"
        case .messageTooLong(let limit): return "message of several blocks longer than \(limit) bytes"
        }
    }
}

/// A first-in first-out queue with amortised O(1) removal from the front.
struct BasicModeQueue<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0

    var isEmpty: Bool { head >= storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }

    mutating func append(_ element: Element) { storage.append(element) }

    mutating func removeFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head >= 64, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() -> [Element] {
        let all = Array(storage[head...])
        storage.removeAll()
        head = 0
        return all
    }

    /// Removes the elements that match, except the first when `keepingFirst`; returns them in order.
    mutating func removeAll(keepingFirst: Bool, where predicate: (Element) -> Bool) -> [Element] {
        let start = keepingFirst ? head + 1 : head
        guard start < storage.count else { return [] }
        var kept = Array(storage[head..<start])
        var removed: [Element] = []
        for element in storage[start...] {
            if predicate(element) { removed.append(element) } else { kept.append(element) }
        }
        storage = kept
        head = 0
        return removed
    }

    func contains(where predicate: (Element) -> Bool) -> Bool {
        storage[head...].contains(where: predicate)
    }
}
