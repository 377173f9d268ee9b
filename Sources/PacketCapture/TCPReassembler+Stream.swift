/// A segment held because bytes before it are missing.
struct PendingSegment {
    var start: UInt64
    /// End of the captured bytes (a truncated packet ends before `end`).
    var capturedEnd: UInt64
    var end: UInt64
    var fin: Bool
    var time: CaptureTime
    /// The captured bytes, or empty when payload was not wanted.
    var bytes: [UInt8]
}

/// What one reassembly call needs besides the stream: who to tell, and the limits.
struct StreamContext<Consumer: TCPStreamConsumer> {
    var connection: TCPConnection
    var direction: TCPDirection
    var maxBytes: Int
    var maxSegments: Int
}

/// One direction of a connection. Stream offsets are 64-bit and start at 0; sequence
/// numbers map to offsets through a signed 32-bit distance from the next expected
/// sequence number, so wrap-around needs no special case.
struct StreamState {
    var initialized = false
    /// Sequence number of stream offset 0.
    var baseSeq: UInt32 = 0
    /// Next expected stream offset: everything before it was delivered or gapped.
    var next: UInt64 = 0
    /// The FIN was reached in order: nothing more comes this way.
    var finished = false
    var wantPayload = true
    var pending: [PendingSegment] = []
    var pendingBytes = 0

    mutating func start(atSequence seq: UInt32) {
        initialized = true
        baseSeq = seq
        next = 0
    }

    /// Where `seq` falls in the stream, relative to `next` (may be negative).
    @inline(__always)
    func offset(of seq: UInt32) -> Int64 {
        let expected = baseSeq &+ UInt32(truncatingIfNeeded: next)
        return Int64(next) + Int64(Int32(bitPattern: seq &- expected))
    }

    /// Handles one segment's payload and FIN. `payload` is the captured part of `length`.
    @inline(__always)
    mutating func segment<C: TCPStreamConsumer>(
        seq: UInt32, payload: UnsafeRawBufferPointer, length: Int, fin: Bool, time: CaptureTime,
        context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics
    ) {
        if finished {
            stats.duplicateBytes &+= UInt64(length)
            return
        }
        guard length > 0 || fin else { return }
        let start = offset(of: seq)
        let end = start + Int64(length)
        if start <= Int64(next) {
            if end < Int64(next) || (end == Int64(next) && !fin) {
                stats.duplicateBytes &+= UInt64(length)  // retransmission, keep-alive, old probe
                return
            }
            deliver(payload, start: start, length: length, time: time, context: context, consumer: &consumer, stats: &stats)
            if fin { finished = true }
            drain(context: context, consumer: &consumer, stats: &stats)
        } else {
            hold(payload, start: UInt64(start), length: length, fin: fin, time: time, stats: &stats)
            enforceLimits(time: time, context: context, consumer: &consumer, stats: &stats)
        }
    }

    /// Delivers a segment that starts at or before `next`, trimming what was delivered.
    @inline(__always)
    mutating func deliver<C: TCPStreamConsumer>(
        _ payload: UnsafeRawBufferPointer, start: Int64, length: Int, time: CaptureTime,
        context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics
    ) {
        let skip = Int(Int64(next) - start)
        stats.duplicateBytes &+= UInt64(min(skip, length))
        let captured = payload.count
        if skip < captured {
            let count = captured - skip
            let bytes = wantPayload ? UnsafeRawBufferPointer(rebasing: payload[skip...]) : UnsafeRawBufferPointer(start: nil, count: 0)
            let chunk = TCPStreamChunk(streamOffset: next, length: count, bytes: bytes)
            next &+= UInt64(count)
            stats.bytesDelivered &+= UInt64(count)
            if !consumer.streamData(context.connection, context.direction, chunk, at: time) { wantPayload = false }
        }
        let end = UInt64(start + Int64(length))
        if end > next {  // the capture cut the segment short
            declareGap(upTo: end, time: time, context: context, consumer: &consumer, stats: &stats)
        }
    }

    mutating func declareGap<C: TCPStreamConsumer>(
        upTo end: UInt64, time: CaptureTime, context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics
    ) {
        guard end > next else { return }
        let length = Int(end - next)
        stats.gaps += 1
        stats.gapBytes &+= UInt64(length)
        consumer.streamGap(context.connection, context.direction, length: length, streamOffset: next, at: time)
        next = end
    }

    mutating func hold(_ payload: UnsafeRawBufferPointer, start: UInt64, length: Int, fin: Bool, time: CaptureTime, stats: inout TCPReassembler.Statistics) {
        stats.outOfOrderSegments += 1
        let end = start + UInt64(length)
        // Insert sorted by start; an exact retransmission of a held segment is dropped.
        var index = pending.endIndex
        while index > pending.startIndex && pending[index - 1].start > start { index -= 1 }
        if index > pending.startIndex, pending[index - 1].start == start, pending[index - 1].end >= end,
            pending[index - 1].fin || !fin
        {
            stats.duplicateBytes &+= UInt64(length)
            return
        }
        let bytes = wantPayload ? Array(payload) : []
        pendingBytes += bytes.count
        pending.insert(
            PendingSegment(start: start, capturedEnd: start + UInt64(payload.count), end: end, fin: fin, time: time, bytes: bytes),
            at: index)
    }

    /// Delivers held segments that have become contiguous.
    mutating func drain<C: TCPStreamConsumer>(context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics) {
        while !finished, let first = pending.first, first.start <= next {
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            if first.end < next || (first.end == next && !first.fin) {
                stats.duplicateBytes &+= first.end - first.start
                continue
            }
            let length = Int(first.end - first.start)
            if first.bytes.isEmpty && first.capturedEnd > first.start {
                // Held without bytes (payload declined): report lengths only.
                let skip = next - first.start
                let captured = first.capturedEnd - first.start
                if skip < captured {
                    let chunk = TCPStreamChunk(streamOffset: next, length: Int(captured - skip), bytes: UnsafeRawBufferPointer(start: nil, count: 0))
                    next = first.capturedEnd
                    stats.bytesDelivered &+= UInt64(chunk.length)
                    stats.duplicateBytes &+= skip
                    if !consumer.streamData(context.connection, context.direction, chunk, at: first.time) { wantPayload = false }
                }
                declareGap(upTo: first.end, time: first.time, context: context, consumer: &consumer, stats: &stats)
            } else {
                first.bytes.withUnsafeBytes { bytes in
                    deliver(bytes, start: Int64(first.start), length: length, time: first.time, context: context, consumer: &consumer, stats: &stats)
                }
            }
            if first.fin { finished = true }
        }
        if finished {
            pending.removeAll()
            pendingBytes = 0
        }
    }

    /// Too much held: give up on the first hole and carry on from the next held segment.
    mutating func enforceLimits<C: TCPStreamConsumer>(time: CaptureTime, context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics) {
        while !pending.isEmpty && (pendingBytes > context.maxBytes || pending.count > context.maxSegments) {
            declareGap(upTo: pending[0].start, time: time, context: context, consumer: &consumer, stats: &stats)
            drain(context: context, consumer: &consumer, stats: &stats)
        }
    }

    /// At a reset or the capture's end: every hole becomes a gap, every held byte is delivered.
    mutating func flush<C: TCPStreamConsumer>(time: CaptureTime, context: StreamContext<C>, consumer: inout C, stats: inout TCPReassembler.Statistics) {
        while !finished, let first = pending.first {
            declareGap(upTo: first.start, time: time, context: context, consumer: &consumer, stats: &stats)
            drain(context: context, consumer: &consumer, stats: &stats)
        }
        pending.removeAll()
        pendingBytes = 0
    }
}
