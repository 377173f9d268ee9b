extension LineSwitchConfiguration {
    /// The lines whose frames are LAPB (X.25), recorded as LINKTYPE_SITA.
    var x25LineIndices: Set<Int> {
        Set(lines.indices.filter { lines[$0].isX25 })
    }
}

extension LineSwitchConfiguration {
    /// The dial-up lines (`hdlc-public`): modem commands between calls, DTR follows the node.
    var publicLineIndices: Set<Int> {
        Set(lines.indices.filter { lines[$0].procedure == .hdlcPublic })
    }
}
