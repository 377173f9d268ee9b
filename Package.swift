// swift-tools-version: 6.1
import PackageDescription

// One folder per module (DESIGN.md §6). Protocol modules (TN3270, SDLC) import NIOCore
// only; sockets live in the server, client and simulator modules.
let package = Package(
    name: "netmgr",
    products: [
        .executable(name: "netmgr", targets: ["netmgr"]),
        .executable(name: "netmgrd", targets: ["netmgrd"]),
        .library(name: "NetMgrClient", targets: ["NetMgrClient"]),
        // The C API: libnetmgrclient.so and netmgr_client.h (Sources/CNetMgrClient/include).
        .library(name: "netmgrclient", type: .dynamic, targets: ["NetMgrClientC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // libpcap through pkg-config; Debian's libpcap-dev provides it.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),

        // IPAddress and XIDNodeID: values the definitions, SDLC and the capture decoder share.
        .target(name: "NetMgrAddresses"),

        // Definitions: model, YAML parser with source positions, validator, promises.
        .target(
            name: "NetMgrCore",
            dependencies: ["NetMgrAddresses", .product(name: "Yams", package: "Yams")]
        ),

        // Telnet, TN3270 and TN3270E: codecs and client/server state machines.
        .target(
            name: "TN3270",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),

        // HDLC framing, SDLC stations, SNA FID2/RH/RU and the PU 2 state machine.
        .target(
            name: "SDLC",
            dependencies: ["NetMgrAddresses", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // Basic-mode data link control (BDLC / BSC, ISO 1745): codec, tributary and control stations.
        .target(
            name: "BasicMode",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),

        // ISDN basic-rate D channel: LAPD (Q.921) and Q.931 codecs and machines (user and
        // network side), the BRI channel framing of the simulated interface.
        .target(
            name: "ISDN",
            dependencies: ["SDLC", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // Test equipment: libpri (Debian libpri-dev) as the ISDN network side in a pthread, for
        // the interop tests. Only ISDNTests depends on it: the products never link libpri.
        .target(
            name: "CLibpriPeer",
            linkerSettings: [.linkedLibrary("pri")]
        ),

        // LAPB, the X.25 packet layer, QLLC and XOT: codecs and value-type machines.
        .target(
            name: "X25",
            dependencies: ["NetMgrAddresses", "SDLC", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // ioctl (variadic in C), termios raw mode and AF_PACKET sockets for LineTransport's
        // serial ports (tty:) and generic-HDLC interfaces (hdlc:).
        .target(name: "CNetMgrSerial"),

        // The modem dialogue of a switched line: Hayes AT and V.25bis dialer (DTE), modem
        // emulator (DCE) for the exchange simulator, redial policy.
        .target(
            name: "Dialup",
            dependencies: ["SDLC", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // A line that carries HDLC-framed SDLC frames: TCP on loopback, serial ports, HDLC interfaces.
        // Sockets live here so that SDLC stays NIOCore-only.
        .target(
            name: "LineTransport",
            dependencies: [
                "SDLC", "X25", "ISDN", "CNetMgrSerial",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The LAN protocol between NetMgrClient and netmgrd: messages and codec.
        .target(
            name: "NetMgrProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),

        // The blocking admin socket client, with a deadline, for netmgr and the harness.
        .target(name: "NetMgrAdminClient", dependencies: ["NetMgrProtocol"]),

        // netmgrd: resources and their state machines, host connectors, LAN and admin service.
        // TLS and keys: the cluster PKI (CA, node and client certificates), peer identities
        // from certificates, NIOSSL contexts, secret files that must not be readable by others.
        .target(
            name: "NetMgrSecurity",
            dependencies: [
                "NetMgrCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),

        .target(
            name: "NetMgrServer",
            dependencies: [
                "NetMgrCore", "NetMgrProtocol", "NetMgrSecurity", "TN3270", "SDLC", "X25", "LineTransport", "BasicMode", "Dialup", "ISDN",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),  // HMAC on the line switch control (LineSwitchSigner)
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // GET /metrics (issue 18): the HTTP codec, and the registry with HELP lines.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // The library applications link: server selection, sessions, failover and replay.
        .target(
            name: "NetMgrClient",
            dependencies: [
                "NetMgrProtocol", "NetMgrSecurity",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The C API over NetMgrClient: the header and its pure-C part (error names, eventfd,
        // the thread's last error), and the Swift entry points exported with @_cdecl.
        .target(name: "CNetMgrClient"),
        .target(name: "NetMgrClientC", dependencies: ["CNetMgrClient", "NetMgrClient", "NetMgrSecurity"]),

        // libpcap reading, writing and live capture; link, IP and TCP decoding; TCP reassembly.
        .target(
            name: "PacketCapture",
            dependencies: ["NetMgrAddresses", "CPcap", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // The capture verifier: terminal facts, failover boundaries, promises, reports.
        .target(
            name: "NetMgrVerify",
            dependencies: ["NetMgrCore", "PacketCapture", "TN3270", "SDLC", "X25", "BasicMode", "Dialup", "ISDN", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // Runs netmgr's processes for the demo, the integration tests and the benchmarks:
        // starts the simulators and two netmgrd on loopback, waits for readiness, kills by pid.
        .target(
            name: "NetMgrHarness",
            dependencies: ["NetMgrCore", "NetMgrProtocol", "NetMgrAdminClient", "NetMgrSimulators", "NetMgrSecurity", "NetMgrClient",
                           .product(name: "Yams", package: "Yams")]
        ),

        // Test equipment, not product: the host simulator (TN3270/TN3270E server, SDLC
        // primary with SSCP/PLU) and the line switch device. Product code never imports it.
        .target(
            name: "NetMgrSimulators",
            dependencies: [
                "NetMgrCore", "NetMgrSecurity", "TN3270", "SDLC", "PacketCapture", "X25", "LineTransport", "BasicMode", "Dialup", "ISDN",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "NetMgrTestSupport",
            dependencies: ["NetMgrHarness"],
            path: "Tests/NetMgrTestSupport"
        ),

        // The operator's command. It also carries the simulators (`netmgr sim ...`) and the
        // demo as subcommands; the product modules themselves never import the simulators.
        .executableTarget(
            name: "netmgr",
            dependencies: [
                "NetMgrCore", "NetMgrProtocol", "NetMgrAdminClient", "NetMgrClient", "NetMgrVerify", "NetMgrSimulators", "NetMgrHarness",
                "PacketCapture", "NetMgrSecurity",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "netmgrd",
            dependencies: [
                "NetMgrCore", "NetMgrServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // Performance figures (release build): `swift run -c release netmgr-bench`.
        .executableTarget(
            name: "netmgr-bench",
            dependencies: [
                "NetMgrCore", "NetMgrProtocol", "NetMgrClient", "NetMgrServer", "NetMgrSimulators", "NetMgrVerify",
                "NetMgrHarness", "PacketCapture", "CPcap", "TN3270", "SDLC", "X25", "LineTransport", "BasicMode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/NetMgrBench"
        ),

        .testTarget(name: "NetMgrProtocolTests", dependencies: [
            "NetMgrProtocol", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "NetMgrServerTests", dependencies: [
            "NetMgrServer", "NetMgrCore", "NetMgrProtocol", "NetMgrTestSupport", "NetMgrHarness", "NetMgrAdminClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "NetMgrClientTests", dependencies: [
            "NetMgrClient", "NetMgrProtocol", "NetMgrTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "NetMgrCoreTests", dependencies: ["NetMgrCore", "NetMgrTestSupport"]),
        // Certificates, identities, secret files, NIOSSL contexts: a real handshake on loopback,
        // openssl verify and s_client against them.
        .testTarget(name: "NetMgrSecurityTests", dependencies: [
            "NetMgrSecurity", "NetMgrCore", "NetMgrTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        // Runs the built executables as an operator would; depending on them makes sure they are built.
        .testTarget(name: "NetMgrCLITests", dependencies: ["NetMgrCore", "NetMgrHarness", "NetMgrTestSupport", "netmgr", "NetMgrAdminClient"]),
        .testTarget(name: "TN3270Tests", dependencies: [
            "TN3270", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "SDLCTests", dependencies: [
            "SDLC", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "DialupTests", dependencies: [
            "Dialup", "SDLC", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "BasicModeTests", dependencies: [
            "BasicMode", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // LAPD, Q.931 and the BRI framing; libpri interop over a socketpair; the BRI over TCP.
        .testTarget(name: "ISDNTests", dependencies: [
            "ISDN", "CLibpriPeer", "SDLC", "LineTransport", "PacketCapture", "NetMgrTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "X25Tests", dependencies: [
            "X25", "SDLC", "NetMgrTestSupport", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "NetMgrTestSupport"]),
        // Also runs `netmgr verify` as an operator would; depending on it makes sure it is built.
        .testTarget(name: "NetMgrVerifyTests", dependencies: [
            "NetMgrVerify", "NetMgrCore", "PacketCapture", "TN3270", "SDLC", "X25", "NetMgrAddresses", "NetMgrTestSupport", "netmgr",
            .product(name: "NIOCore", package: "swift-nio"),
            // BDLC captures are made with the simulator's recorder from BasicMode elements.
            "BasicMode", "NetMgrSimulators", .product(name: "Logging", package: "swift-log"),
        ]),
        // Real processes on loopback; depending on the executables makes sure they are built.
        .testTarget(name: "NetMgrIntegrationTests", dependencies: [
            "NetMgrHarness", "NetMgrClient", "NetMgrCore", "NetMgrSimulators", "NetMgrTestSupport", "netmgr", "netmgrd",
            // The C API's entry points, called through its header (CAPITests).
            "CNetMgrClient", "NetMgrClientC",
            // LAN TLS tests: their own TLS peers (no client, another CA, a fake node).
            "NetMgrProtocol", "NetMgrSecurity",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
        ]),
        // Hercules 3.13 (Debian `hercules`) as a real TN3270 host in front of two netmgrd.
        .testTarget(name: "HerculesTests", dependencies: [
            "NetMgrHarness", "NetMgrClient", "NetMgrCore", "NetMgrProtocol", "NetMgrAdminClient", "NetMgrVerify", "NetMgrTestSupport", "netmgr", "netmgrd",
        ]),
        .testTarget(name: "LineTransportTests", dependencies: [
            "LineTransport", "SDLC", "X25", "NetMgrTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // The HDLC leased-line path end to end: line switch, host SDLC side, netmgrd's attachment.
        .testTarget(name: "SDLCPathTests", dependencies: [
            "NetMgrServer", "NetMgrSimulators", "NetMgrCore", "LineTransport", "SDLC", "PacketCapture",
            "NetMgrTestSupport", "netmgr",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // netmgrd as a basic-mode tributary station against the simulator's control station, and its failover.
        .testTarget(name: "BDLCPathTests", dependencies: [
            "NetMgrServer", "NetMgrSimulators", "NetMgrCore", "LineTransport", "BasicMode", "NetMgrHarness",
            "NetMgrTestSupport", "NetMgrClient", "NetMgrProtocol", "netmgr", "netmgrd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // netmgrd on dial-up and ISDN lines against the exchange and the host's switched major node, and their failover.
        .testTarget(name: "SwitchedPathTests", dependencies: [
            "NetMgrServer", "NetMgrSimulators", "NetMgrCore", "LineTransport", "Dialup", "ISDN", "NetMgrHarness",
            "NetMgrTestSupport", "NetMgrClient", "NetMgrProtocol", "netmgr", "netmgrd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "NetMgrSimulatorsTests", dependencies: [
            "NetMgrSimulators", "TN3270", "SDLC", "X25", "NetMgrTestSupport", "NetMgrCore", "LineTransport", "PacketCapture", "Dialup", "ISDN",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/README.md): only in scripts/fuzz's build (NETMGR_FUZZ set, its own
// scratch path .build-fuzz, -sanitize=fuzzer,address), so the normal build never sees them.
if Context.environment["NETMGR_FUZZ"] != nil {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(
            name: "netmgr-fuzz",
            dependencies: [
                "CLibFuzzer", "NetMgrProtocol", "NetMgrCore", "TN3270", "SDLC", "X25", "PacketCapture", "BasicMode", "NetMgrVerify", "LineTransport",
                "Dialup", "ISDN", "NetMgrSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz/NetMgrFuzz"
        ),
    ]
    package.products.append(.executable(name: "netmgr-fuzz", targets: ["netmgr-fuzz"]))
}
