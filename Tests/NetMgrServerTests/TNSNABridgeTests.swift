import NIOCore
@testable import NetMgrServer
import NetMgrTestSupport
import TN3270
import Testing

@Suite("TN server SNA LU 2 mapping (TNSNABridge)")
struct TNSNABridgeTests {
    static let bind = ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x87, 0x87, 0x00, 0x00, 0x02])
    static let screen = ByteBuffer(bytes: [0xF5, 0xC3, 0x1D, 0x40, 0x13])

    @Test("with BIND-IMAGE: the BIND first, then data; UNBIND when the session ends; a new BIND-IMAGE for the next")
    func bindImageAroundData() {
        var bridge = TNSNABridge()
        #expect(bridge.hostSession(bound: true, bind: Self.bind).isEmpty, "nothing before the emulator is bound")
        #expect(bridge.emulatorBound(functions: [.bindImage, .responses]) == [.bindImage(Self.bind)])
        #expect(bridge.hostRecord(Self.screen) == [.data(Self.screen, requestingResponse: true)])
        #expect(bridge.hostSession(bound: false, bind: nil) == [.unbind(ByteBuffer(bytes: [0x32, 0x01]))])
        #expect(bridge.hostSession(bound: false, bind: nil).isEmpty, "one UNBIND per session")
        let rebind = ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03, 0xB1])
        #expect(bridge.hostSession(bound: true, bind: rebind) == [.bindImage(rebind)])
    }

    @Test("an emulator bound before the host's BIND gets the BIND-IMAGE when the session comes up")
    func emulatorFirst() {
        var bridge = TNSNABridge()
        #expect(bridge.emulatorBound(functions: [.bindImage]).isEmpty)
        #expect(bridge.hostSession(bound: true, bind: Self.bind) == [.bindImage(Self.bind)])
        #expect(bridge.hostRecord(Self.screen) == [.data(Self.screen, requestingResponse: false)])
    }

    @Test("without BIND-IMAGE the emulator sees data only")
    func withoutBindImage() {
        var bridge = TNSNABridge()
        _ = bridge.hostSession(bound: true, bind: Self.bind)
        #expect(bridge.emulatorBound(functions: []).isEmpty)
        #expect(bridge.hostRecord(Self.screen) == [.data(Self.screen, requestingResponse: false)])
        #expect(bridge.hostSession(bound: false, bind: nil).isEmpty)
    }

    @Test("TN3270E negative response senses stand for SNA senses")
    func senses() {
        #expect(TNSNABridge.snaSense(tn3270eSense: 0x00).description == "10030000")
        #expect(TNSNABridge.snaSense(tn3270eSense: 0x01).description == "08020000")
        #expect(TNSNABridge.snaSense(tn3270eSense: 0x02).description == "10010000")
        #expect(TNSNABridge.snaSense(tn3270eSense: 0x03).description == "08310000")
    }

    /// Random sequences of host session changes and host records around the emulator's bind:
    /// with BIND-IMAGE, BIND-IMAGE and UNBIND alternate (starting with BIND-IMAGE), no data
    /// goes out while no BIND-IMAGE is standing once a BIND is known, and every host record
    /// after the bind comes out once, in order; without it, only data comes out.
    @Test func randomSequences() {
        for seed in UInt64(1)...400 {
            var random = SplitMix64Generator(seed: seed)
            var bridge = TNSNABridge()
            let functions: Set<TN3270EFunction> = [[], [.bindImage], [.responses], [.bindImage, .responses]][Int.random(in: 0..<4, using: &random)]
            let bindAt = Int.random(in: 0..<10, using: &random)
            var outputs: [TNSNABridge.Output] = []
            var records: [ByteBuffer] = []
            var bound = false
            for step in 0..<60 {
                if step == bindAt { outputs += bridge.emulatorBound(functions: functions) }
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    bound = true
                    outputs += bridge.hostSession(bound: true, bind: ByteBuffer(bytes: [0x31, UInt8(step)]))
                case 1:
                    bound = false
                    outputs += bridge.hostSession(bound: false, bind: nil)
                default:
                    guard step > bindAt, bound else { continue }  // FMD flows only in a session
                    let record = ByteBuffer(bytes: [0xF1, UInt8(step)])
                    records.append(record)
                    let out = bridge.hostRecord(record)
                    outputs += out
                    if functions.contains(.bindImage) {
                        #expect(bridge.imageShown, "seed \(seed) step \(step): data without a standing BIND-IMAGE")
                    }
                }
            }
            let data = outputs.compactMap { if case .data(let bytes, let asks) = $0 { (bytes, asks) } else { nil } }
            #expect(data.map(\.0) == records, "seed \(seed)")
            #expect(data.allSatisfy { $0.1 == functions.contains(.responses) }, "seed \(seed)")
            let markers = outputs.compactMap { output -> Bool? in
                switch output {
                case .bindImage: true
                case .unbind: false
                case .data: nil
                }
            }
            if functions.contains(.bindImage) {
                #expect(markers.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0) }, "seed \(seed): \(markers)")
            } else {
                #expect(markers.isEmpty, "seed \(seed)")
            }
        }
    }
}
