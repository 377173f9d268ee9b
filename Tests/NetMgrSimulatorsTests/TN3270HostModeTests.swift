import NIOCore
import NetMgrSimulators
import TN3270
import Testing

/// The host modes that make a terminal prove it is one: a Read Partition Query after the
/// bind, and a refusal at screen level.
@Suite("TN3270 host modes: query after bind, screen-level refusal")
struct TN3270HostModeTests {
    @Test("query after bind: a Query Reply gets the greeting; input sent instead is journaled lost, not as a message", arguments: [false, true])
    func queryAfterBind(basic: Bool) async throws {
        try await withTN3270Host(TN3270HostSocketTests.configuration { $0.queryAfterBind = true }) { host in
            // A correct terminal: answers the query, then sends input once the keyboard is back.
            let good = try await TN3270HostSocketTests.connect(host, from: TN3270HostSocketTests.vip, lu: "VIPLU01", basic: basic)
            _ = try await good.bound()
            let query = try await good.records(count: 1)[0]
            #expect(TN3270DataStream.query(in: query.data) != nil)
            #expect(!query.restoresKeyboard)
            try await good.send(Array(TN3270DataStream.queryReply(to: .init(), deviceType: "IBM-3278-2-E").readableBytesView))
            let greeting = try await good.records(count: 2)[1]
            #expect(greeting.restoresKeyboard)
            try await good.send(TN3270HostSocketTests.input("after the reply"))
            let message = try await host.entry(.message) { $0.lu == "VIPLU01" }
            #expect(message.length == 3 + "after the reply".utf8.count)

            // A terminal that answers the query with input: that input is lost.
            let careless = try await TN3270HostSocketTests.connect(host, from: TN3270HostSocketTests.vip, lu: "VIPLU02", basic: basic)
            _ = try await careless.bound()
            _ = try await careless.records(count: 1)
            try await careless.send(TN3270HostSocketTests.input("too early"))
            let lost = try await host.entry(.lost) { $0.lu == "VIPLU02" }
            #expect(lost.length == 3 + "too early".utf8.count)
            let greetingAnyway = try await careless.records(count: 2)[1]
            #expect(greetingAnyway.restoresKeyboard, "the host carries on as if the input were its reply")
            #expect(!host.journal.all.contains { $0.event == .message && $0.lu == "VIPLU02" })
        }
    }

    @Test("screen-level refusal: a rejection screen without the keyboard, input ignored, then the host closes")
    func screenReject() async throws {
        // Seconds before the close: time enough to send into the screen while the rest of the
        // suite keeps both cores busy (1 s was not always).
        try await withTN3270Host(TN3270HostSocketTests.configuration { $0.screenRejectAfter = .seconds(5) }) { host in
            let client = try await TN3270HostSocketTests.connect(host, from: TN3270HostSocketTests.vip, lu: "VIPLU01")
            _ = try await client.bound()
            let screen = try await client.records(count: 1)[0]
            #expect(!screen.restoresKeyboard)
            #expect(TN3270DataStream.firstScreenLine(screen.data) == "NO AVAILABLE 3270 DEVICES FOR \(TN3270HostSocketTests.vip)")
            try await client.send(TN3270HostSocketTests.input("ignored"))
            try await client.closed()
            let unbind = try await host.entry(.unbind) { $0.lu == "VIPLU01" }
            #expect(unbind.reason == "refused")
            #expect(!host.journal.all.contains { $0.event == .message })
            #expect(!client.events.all.contains { if case .response = $0 { true } else { false } }, "no definite response for ignored input")
        }
    }
}
