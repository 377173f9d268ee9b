import ArgumentParser
import NetMgrCore

/// Parses a `"COMn Unitm Linek"=HOST:PORT` option value (a `tcp:` prefix is allowed): the
/// line switch's host ports (`sim line-switch --host-port`) and the exchange's
/// (`sim exchange --switch-host-port`) are written alike. `option` names the option in errors.
func parseLineSwitchUnitPort(_ text: String, option: String) throws -> (unit: LineSwitchUnit, endpoint: Endpoint) {
    guard let equals = text.lastIndex(of: "=") else {
        throw ValidationError("\(option) \(text): expected \"COMn Unitm Linek\"=HOST:PORT")
    }
    let unitText = String(text[..<equals])
    guard let unit = LineSwitchUnit(parsing: unitText) else {
        throw ValidationError("\(option) \(text): \"\(unitText)\" is not a line switch unit; expected COMn Unitm Linek")
    }
    var endpointText = String(text[text.index(after: equals)...])
    if endpointText.lowercased().hasPrefix("tcp:") { endpointText.removeFirst(4) }
    guard case .success(let endpoint) = Endpoint.parse(endpointText) else {
        throw ValidationError("\(option) \(text): \"\(endpointText)\" is not HOST:PORT")
    }
    return (unit, endpoint)
}
