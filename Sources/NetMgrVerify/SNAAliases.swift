import SDLC

// NetMgrCore has its own `XIDNodeID` (the definitions' one); files importing both
// modules name the SDLC module's wire type through this alias.
typealias WireNodeID = XIDNodeID
