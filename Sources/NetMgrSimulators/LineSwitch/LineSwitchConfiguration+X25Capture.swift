extension LineSwitchConfiguration {
    /// The lines whose frames are LAPB (X.25), recorded as LINKTYPE_SITA.
    var x25LineIndices: Set<Int> {
        Set(lines.indices.filter { lines[$0].isX25 })
    }
}
