import NetMgrProtocol
@testable import NetMgrServer
import Testing

@Suite("Resource state machine")
struct ResourceStateMachineTests {
    @Test("standby → activating → active → deactivating → standby")
    func lifecycle() throws {
        var machine = ResourceStateMachine()
        #expect(try machine.activate(epoch: 3) == [.announce(.activating, epoch: 3), .startAttachment(epoch: 3)])
        #expect(machine.attachmentStarted() == [.announce(.active, epoch: 3)])
        #expect(machine.state == .active)
        #expect(machine.deactivate() == [.announce(.deactivating, epoch: 3), .stopAttachment])
        #expect(machine.attachmentStopped() == [.announce(.standby, epoch: 3)])
        #expect(machine.state == .standby)
    }

    @Test("an activation with an epoch not newer than one seen is refused")
    func staleEpoch() throws {
        var machine = ResourceStateMachine()
        _ = machine.peerReported(activeEpoch: 9)
        #expect(throws: ResourceStateMachine.Refusal.staleEpoch(requested: 9, newest: 9)) { try machine.activate(epoch: 9) }
        #expect(throws: ResourceStateMachine.Refusal.self) { try machine.activate(epoch: 4) }
        #expect(try machine.activate(epoch: 10).contains(.startAttachment(epoch: 10)))
    }

    @Test("re-activating an active resource with a newer epoch only announces it")
    func reactivate() throws {
        var machine = ResourceStateMachine()
        _ = try machine.activate(epoch: 1)
        _ = machine.attachmentStarted()
        #expect(try machine.activate(epoch: 1) == [])
        #expect(try machine.activate(epoch: 2) == [.announce(.active, epoch: 2)])
    }

    @Test("a newer epoch reported by a peer makes an active node step down")
    func stepDown() throws {
        var machine = ResourceStateMachine()
        _ = try machine.activate(epoch: 5)
        _ = machine.attachmentStarted()
        #expect(machine.peerReported(activeEpoch: 4) == [])
        #expect(machine.peerReported(activeEpoch: 6) == [.announce(.deactivating, epoch: 5), .stopAttachment])
    }

    @Test("an activation during deactivation happens once standby is reached")
    func queuedActivation() throws {
        var machine = ResourceStateMachine()
        _ = try machine.activate(epoch: 1)
        _ = machine.attachmentStarted()
        _ = machine.deactivate()
        #expect(try machine.activate(epoch: 2) == [])
        #expect(machine.attachmentStopped() == [.announce(.standby, epoch: 1), .announce(.activating, epoch: 2), .startAttachment(epoch: 2)])
    }

    @Test("a failed start goes back to standby")
    func failedStart() throws {
        var machine = ResourceStateMachine()
        _ = try machine.activate(epoch: 1)
        #expect(machine.attachmentFailed() == [.announce(.deactivating, epoch: 1), .stopAttachment])
        #expect(machine.attachmentStopped() == [.announce(.standby, epoch: 1)])
    }
}

@Suite("Epoch store")
struct EpochStoreTests {
    @Test("epochs only grow, across stores sharing a directory")
    func grows() throws {
        let directory = "/tmp/netmgr-epoch-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = EpochStore(stateDirectory: directory), b = EpochStore(stateDirectory: directory)
        #expect(try a.next() == 1)
        #expect(try b.next() == 2)
        try a.observe(40)
        #expect(try b.next() == 41)
        #expect(try a.next(atLeast: 100) == 100)
    }
}

import Foundation
