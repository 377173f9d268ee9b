import NIOCore

// How the observer turns telnet units into facts. Called once per record
// end, negotiation or sub-negotiation, never per data byte.
extension TN3270CaptureFacts {
    mutating func recordEnded(_ direction: TN3270CaptureDirection, _ scanner: TelnetScanner, offset: Int) {
        // In place: copying Counts out and back would copy its array per record.
        switch direction {
        case .fromClient: Self.count(&self.fromClient, scanner)
        case .fromServer: Self.count(&self.fromServer, scanner)
        }

        // Basic TN3270 names the LU only in TERMINAL-TYPE IS; records flowing
        // afterwards mean the host took it.
        if self.grant == nil, self.negotiatedDialect == .tn3270,
            let request = self.requests.last(where: { $0.method == .terminalType })
        {
            let grant = Grant(
                luName: request.luName,
                deviceType: request.deviceType,
                dialect: .tn3270,
                evidence: .recordsAfterTerminalType,
                direction: direction,
                offset: offset
            )
            self.grant = grant
            self.events.append(.granted(grant))
        }
    }

    private static func count(_ counts: inout Counts, _ scanner: TelnetScanner) {
        counts.records += 1
        // A Query Reply (AID 0x88) answers the host's query; it is not input.
        let aid = scanner.headerCount == 6 && scanner.header.0 == TN3270EDataType.data3270.rawValue && scanner.header.1 <= 1
            && scanner.header.2 <= 2 ? scanner.sixth : scanner.header.0
        if scanner.headerCount >= 1, aid == TN3270DataStream.structuredFieldAID { counts.queryReplies += 1 }
        guard scanner.headerCount >= 5 else { return }
        let header = scanner.header
        // RFC 2355 §8.1: DATA-TYPE 0...8, REQUEST-FLAG 0...1, RESPONSE-FLAG 0...2.
        guard header.0 <= 8, header.1 <= 1, header.2 <= 2 else {
            counts.recordsByDataType[9] += 1
            return
        }
        counts.headerShapedRecords += 1
        counts.recordsByDataType[Int(header.0)] += 1
        if header.0 == TN3270EDataType.response.rawValue {
            if header.2 == TN3270EResponseFlag.positiveResponse {
                counts.positiveResponses += 1
            } else {
                counts.negativeResponses += 1
            }
        }
    }

    mutating func negotiation(_ direction: TN3270CaptureDirection, _ verb: TelnetVerb, _ option: TelnetOption, offset: Int) {
        switch (verb, option) {
        case (.do, .tn3270e):
            self.sawNegotiationStart = true
            self.serverSide = self.serverSide ?? direction
            self.tn3270eOffered = true
        case (.will, .tn3270e):
            self.tn3270eAccepted = true
        case (.wont, .tn3270e), (.dont, .tn3270e):
            if !self.tn3270eRefused {
                self.tn3270eRefused = true
                self.events.append(.tn3270eRefused(direction: direction, offset: offset))
            }
        case (.do, .terminalType):
            self.sawNegotiationStart = true
            self.serverSide = self.serverSide ?? direction
        case (.will, .binary), (.do, .binary), (.will, .endOfRecord), (.do, .endOfRecord):
            self.basicOptionsSeen = true
        default:
            break
        }
    }

    mutating func subnegotiation(_ direction: TN3270CaptureDirection, _ bytes: [UInt8], offset: Int) {
        guard let option = bytes.first else {
            self.anomalies += 1
            return
        }
        let payload = ByteBuffer(bytes: bytes.dropFirst())
        switch option {
        case TelnetOptionCode.terminalType:
            guard let message = try? TerminalTypeSubnegotiation(payload: payload) else {
                self.anomalies += 1
                return
            }
            switch message {
            case .send:
                self.serverSide = self.serverSide ?? direction
            case .is(let string):
                self.serverSide = self.serverSide ?? direction.other
                let name = TerminalTypeName(parsing: string)
                self.addRequest(LURequest(luName: name.luName, deviceType: name.deviceType, method: .terminalType, direction: direction, offset: offset))
            }
        case TelnetOptionCode.tn3270e:
            guard let message = try? TN3270ESubnegotiation(payload: payload) else {
                self.anomalies += 1
                return
            }
            self.tn3270eSubnegotiation(message, direction, offset: offset)
        default:
            break
        }
    }

    private mutating func tn3270eSubnegotiation(_ message: TN3270ESubnegotiation, _ direction: TN3270CaptureDirection, offset: Int) {
        // Seeing TN3270E sub-negotiations at all means TN3270E was agreed,
        // even if the capture missed DO/WILL.
        self.tn3270eSubnegotiated = true
        switch message {
        case .sendDeviceType:
            self.serverSide = self.serverSide ?? direction
        case .deviceTypeRequest(let deviceType, let target):
            self.serverSide = self.serverSide ?? direction.other
            let request: LURequest
            switch target {
            case .any: request = LURequest(luName: nil, deviceType: deviceType, method: .deviceTypeRequest, direction: direction, offset: offset)
            case .connect(let name): request = LURequest(luName: name, deviceType: deviceType, method: .deviceTypeRequest, direction: direction, offset: offset)
            case .associate(let name): request = LURequest(luName: name, deviceType: deviceType, method: .associate, direction: direction, offset: offset)
            }
            self.addRequest(request)
        case .deviceTypeIs(let deviceType, let name):
            self.serverSide = self.serverSide ?? direction
            let grant = Grant(luName: name, deviceType: deviceType, dialect: .tn3270e, evidence: .deviceTypeIs, direction: direction, offset: offset)
            self.grant = grant
            self.events.append(.granted(grant))
        case .deviceTypeReject(let reason):
            self.serverSide = self.serverSide ?? direction
            self.rejects.append(reason)
            self.events.append(.rejected(reason, direction: direction, offset: offset))
        case .functionsIs(let list):
            self.functions = list
            self.events.append(.functionsAgreed(list, direction: direction, offset: offset))
        case .functionsRequest:
            break
        }
    }

    private mutating func addRequest(_ request: LURequest) {
        self.requests.append(request)
        self.events.append(.requested(request))
    }
}
