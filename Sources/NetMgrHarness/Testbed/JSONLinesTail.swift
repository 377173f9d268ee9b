import Foundation

/// Reads the lines appended to a file since the last call (a journal, a ledger), whole
/// lines only: a line still being written waits for the next call.
struct JSONLinesTail<Element: Decodable> {
    let path: String
    private var offset: UInt64 = 0
    private var partial = Data()
    private let decoder = JSONDecoder()

    init(path: String) { self.path = path }

    /// The new elements; lines that do not decode are counted in `skipped`.
    mutating func read() -> (elements: [Element], skipped: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return ([], 0) }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            guard let data = try handle.readToEnd(), !data.isEmpty else { return ([], 0) }
            offset += UInt64(data.count)
            partial.append(data)
        } catch {
            return ([], 0)
        }
        var elements: [Element] = []
        var skipped = 0
        var start = partial.startIndex
        while let newline = partial[start...].firstIndex(of: 0x0A) {
            let line = partial[start..<newline]
            start = partial.index(after: newline)
            guard !line.isEmpty else { continue }
            if let element = try? decoder.decode(Element.self, from: line) { elements.append(element) } else { skipped += 1 }
        }
        partial = Data(partial[start...])
        return (elements, skipped)
    }
}
