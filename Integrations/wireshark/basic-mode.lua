-- Wireshark / tshark dissector for netmgr's BDLC line captures: basic-mode data link
-- control (JIS X 5002 / ISO 1745, and IBM BSC, its EBCDIC cousin) recorded as pcap
-- LINKTYPE_USER0 (147).
--
-- Each record is one transmission element as it was on the line, without the leading
-- SYNs, prefixed by one direction/line byte:
--   bit 7 (0x80) set   = from the tributary station to the host (control station)
--   bit 7 clear        = from the host to the tributary station
--   bits 0-6           = the host's line number (1-based)
-- Elements: EOT, ENQ, NAK, ACK0/ACK1 (DLE x), WACK, RVI, a poll or select sequence
-- (address character twice, then ENQ; the select character is the poll character with
-- bit 0x20 set) and text blocks ([SOH heading] STX text ETB|ETX BCC, or transparent
-- DLE STX ... DLE ETX with DLE doubled). netmgr's heading is "L" and two hexadecimal
-- digits: the LU local address the block is for.
--
-- The coding is not recorded. The preference bdlc.coding (ascii: LRC block check; ebcdic:
-- BSC characters with a CRC-16 block check) says which to assume, and unless
-- bdlc.detect is off, a record whose control characters are only valid in the other
-- coding is decoded in that one.
--
-- Use:  tshark -X lua_script:Integrations/wireshark/basic-mode.lua -r line.pcap
-- or copy this file to ~/.local/lib/wireshark/plugins/ (see README.md here).

-- Bit operations: Lua 5.2 (Wireshark up to 4.2) has bit32, Wireshark ships "bit" too; on a
-- Lua 5.3+ build without either, the native operators (compiled at run time, so that this
-- file still loads in Lua 5.2).
local bit = bit32 or bit
if bit == nil then
    bit = {
        band = load("return function(a, b) return a & b end")(),
        bor = load("return function(a, b) return a | b end")(),
        bxor = load("return function(a, b) return a ~ b end")(),
        rshift = load("return function(a, n) return a >> n end")(),
    }
end

local bdlc = Proto("bdlc", "Basic-mode data link control (BDLC/BSC)")

local CODING_ASCII = 1
local CODING_EBCDIC = 2

-- The control characters of each coding; ack0/ack1/wack/rvi are the characters after DLE.
local codings = {
    [CODING_ASCII] = {
        name = "ascii", check = "LRC", check_length = 1,
        soh = 0x01, stx = 0x02, etx = 0x03, etb = 0x17, eot = 0x04, enq = 0x05, nak = 0x15,
        dle = 0x10, syn = 0x16, ack0 = 0x30, ack1 = 0x31, wack = 0x3B, rvi = 0x3C,
        letter_l = 0x4C, digit_zero = 0x30, letter_a = 0x41,
    },
    [CODING_EBCDIC] = {
        name = "ebcdic", check = "CRC-16", check_length = 2,
        soh = 0x01, stx = 0x02, etx = 0x03, etb = 0x26, eot = 0x37, enq = 0x2D, nak = 0x3D,
        dle = 0x10, syn = 0x32, ack0 = 0x70, ack1 = 0x61, wack = 0x6B, rvi = 0x7C,
        letter_l = 0xD3, digit_zero = 0xF0, letter_a = 0xC1,
    },
}

bdlc.prefs.coding = Pref.enum("Coding", CODING_ASCII,
    "Character coding of the lines: ascii (ISO 1745 / JIS X 5002, 1-byte LRC) or ebcdic (IBM BSC, CRC-16)",
    { { 1, "ascii", CODING_ASCII }, { 2, "ebcdic", CODING_EBCDIC } }, false)
bdlc.prefs.detect = Pref.bool("Detect the coding per record", true,
    "Decode a record in the other coding when only that one makes sense of its control characters")

local directions = { [0] = "host to tributary", [1] = "tributary to host" }

local f = {
    direction = ProtoField.uint8("bdlc.direction", "Direction", base.DEC, directions, 0x80),
    line = ProtoField.uint8("bdlc.line", "Line", base.DEC, nil, 0x7F),
    coding = ProtoField.string("bdlc.coding", "Coding"),
    element = ProtoField.string("bdlc.element", "Element"),
    control = ProtoField.string("bdlc.control", "Control sequence"),
    station = ProtoField.uint8("bdlc.station", "Station address", base.HEX),
    address_char = ProtoField.uint8("bdlc.address_char", "Address character", base.HEX),
    select = ProtoField.bool("bdlc.select", "Selection (not a poll)"),
    heading = ProtoField.bytes("bdlc.heading", "Heading"),
    lu = ProtoField.uint8("bdlc.lu", "LU local address", base.DEC),
    transparent = ProtoField.bool("bdlc.transparent", "Transparent text"),
    text_len = ProtoField.uint32("bdlc.text_len", "Text length", base.DEC),
    text = ProtoField.bytes("bdlc.text", "Text"),
    block_end = ProtoField.string("bdlc.end", "Block end"),
    bcc = ProtoField.uint16("bdlc.bcc", "Block check", base.HEX),
    bcc_computed = ProtoField.uint16("bdlc.bcc_computed", "Block check computed", base.HEX),
    bcc_valid = ProtoField.bool("bdlc.bcc_valid", "Block check valid"),
}
bdlc.fields = f

local e = {
    bad_bcc = ProtoExpert.new("bdlc.bad_bcc", "Block check does not match the block", expert.group.CHECKSUM, expert.severity.ERROR),
    malformed = ProtoExpert.new("bdlc.malformed", "Not a basic-mode transmission element", expert.group.MALFORMED, expert.severity.ERROR),
    aborted = ProtoExpert.new("bdlc.aborted", "Block aborted by the sender (ENQ)", expert.group.SEQUENCE, expert.severity.WARN),
    trailing = ProtoExpert.new("bdlc.trailing", "Bytes after the element", expert.group.MALFORMED, expert.severity.WARN),
}
bdlc.experts = { e.bad_bcc, e.malformed, e.aborted, e.trailing }

-- CRC-16/ARC (reflected 0xA001, initial 0), as BSC uses; "123456789" gives 0xBB3D.
local crc_table = {}
for i = 0, 255 do
    local value = i
    for _ = 1, 8 do
        if bit.band(value, 1) ~= 0 then
            value = bit.bxor(bit.rshift(value, 1), 0xA001)
        else
            value = bit.rshift(value, 1)
        end
    end
    crc_table[i] = value
end

local function check_update(c, register, byte)
    if c.check_length == 1 then
        return bit.bxor(register, byte)
    end
    return bit.bxor(bit.rshift(register, 8), crc_table[bit.band(bit.bxor(register, byte), 0xFF)])
end

local function hex2(value)
    return string.format("0x%02X", value)
end

local function heading_lu(c, heading)
    if #heading ~= 3 or heading[1] ~= c.letter_l then return nil end
    local function digit(byte)
        if byte >= c.digit_zero and byte < c.digit_zero + 10 then return byte - c.digit_zero end
        if byte >= c.letter_a and byte < c.letter_a + 6 then return byte - c.letter_a + 10 end
        return nil
    end
    local high, low = digit(heading[2]), digit(heading[3])
    if high == nil or low == nil then return nil end
    return high * 16 + low
end

-- A control sequence of `length` bytes in a record with `remaining` bytes from its start.
local function control_result(r, length, remaining)
    r.length = length
    if remaining > length then
        r.trailing = remaining - length
        r.score = 1
    else
        r.score = 3
    end
    return r
end

-- Parses one element (b: byte values, 1-based, offsets relative to the element) in coding c.
-- Returns a table: kind, and the pieces the tree shows; score says how well it fits
-- (3 = clean, 2 = a block with a bad block check, 1 = wrong length or trailing bytes,
-- 0 = not an element of this coding).
local function parse(b, c)
    local n = #b
    local first = 1
    while first <= n and b[first] == c.syn do first = first + 1 end
    local r = { first = first, score = 0, coding = c }
    if first > n then
        r.kind = "EMPTY"
        return r
    end
    local b1, remaining = b[first], n - first + 1

    if b1 == c.eot or b1 == c.enq or b1 == c.nak then
        r.kind = (b1 == c.eot and "EOT") or (b1 == c.enq and "ENQ") or "NAK"
        r.control = r.kind
        return control_result(r, 1, remaining)
    end
    if b1 == c.dle and remaining >= 2 and b[first + 1] ~= c.stx then
        local names = { [c.ack0] = "ACK0", [c.ack1] = "ACK1", [c.wack] = "WACK", [c.rvi] = "RVI" }
        local name = names[b[first + 1]]
        if name == nil then
            r.kind = "UNKNOWN"
            r.problem = string.format("DLE followed by %s is no control sequence in %s", hex2(b[first + 1]), c.name)
            return r
        end
        r.kind, r.control = name, name
        return control_result(r, 2, remaining)
    end
    if b1 >= 0x40 and remaining >= 3 and b[first + 1] == b1 and b[first + 2] == c.enq then
        r.select = bit.band(b1, 0x20) ~= 0
        r.kind = r.select and "SELECT" or "POLL"
        r.control = r.kind
        r.station = bit.band(b1, 0xDF)
        r.address_char = b1
        return control_result(r, 3, remaining)
    end
    if b1 ~= c.soh and b1 ~= c.stx and not (b1 == c.dle and remaining >= 2 and b[first + 1] == c.stx) then
        r.kind = "UNKNOWN"
        r.problem = string.format("%s starts no %s element", hex2(b1), c.name)
        return r
    end

    -- A text block. The block check covers every byte after the first SOH or STX up to
    -- and including ETB/ETX; in transparent text not the DLE of DLE STX / DLE ETB /
    -- DLE ETX, a doubled DLE once, DLE SYN not at all; SYN fill in normal text not at all.
    r.kind = "TEXT"
    local register = 0
    local i = first
    r.heading = {}
    if b1 == c.soh then
        r.heading_offset = first + 1
        i = first + 1
        while true do
            if i > n then
                r.problem = "the block ends inside its heading"
                return r
            end
            local byte = b[i]
            if byte == c.stx then
                register = check_update(c, register, byte)
                r.stx_offset = i
                i = i + 1
                break
            elseif byte == c.dle and i < n and b[i + 1] == c.stx then
                register = check_update(c, register, c.stx)
                r.transparent = true
                r.stx_offset = i
                i = i + 2
                break
            elseif byte == c.syn then
                i = i + 1
            elseif byte == c.enq then
                r.aborted = true
                r.problem = "the sender aborted the block (ENQ)"
                return r
            elseif byte == c.soh or byte == c.etx or byte == c.etb or byte == c.eot or byte == c.nak or byte == c.dle then
                r.problem = string.format("control character %s inside the heading", hex2(byte))
                return r
            else
                r.heading[#r.heading + 1] = byte
                register = check_update(c, register, byte)
                i = i + 1
            end
        end
        r.heading_length = #r.heading
        r.lu = heading_lu(c, r.heading)
    elseif b1 == c.stx then
        r.stx_offset = first
        i = first + 1
    else -- DLE STX without a heading
        r.stx_offset = first
        r.transparent = true
        i = first + 2
    end

    r.text_offset = i
    r.text = {}
    while true do
        if i > n then
            r.problem = "the block has no ETB/ETX"
            return r
        end
        local byte = b[i]
        if r.transparent then
            if byte == c.dle then
                local following = b[i + 1]
                if following == nil then
                    r.problem = "the block ends after a DLE"
                    return r
                elseif following == c.dle then
                    r.text[#r.text + 1] = c.dle
                    register = check_update(c, register, c.dle)
                    i = i + 2
                elseif following == c.syn then
                    i = i + 2
                elseif following == c.etx or following == c.etb then
                    r.text_end = i - 1
                    r.end_offset = i
                    r.end_length = 2
                    r.block_end = following == c.etx and "ETX" or "ETB"
                    register = check_update(c, register, following)
                    i = i + 2
                    break
                elseif following == c.enq then
                    r.aborted = true
                    r.problem = "the sender aborted the block (DLE ENQ)"
                    return r
                else
                    r.problem = string.format("DLE followed by %s inside transparent text", hex2(following))
                    return r
                end
            else
                r.text[#r.text + 1] = byte
                register = check_update(c, register, byte)
                i = i + 1
            end
        else
            if byte == c.etx or byte == c.etb then
                r.text_end = i - 1
                r.end_offset = i
                r.end_length = 1
                r.block_end = byte == c.etx and "ETX" or "ETB"
                register = check_update(c, register, byte)
                i = i + 1
                break
            elseif byte == c.syn then
                i = i + 1
            elseif byte == c.enq then
                r.aborted = true
                r.problem = "the sender aborted the block (ENQ)"
                return r
            elseif byte == c.soh or byte == c.stx or byte == c.eot or byte == c.nak or byte == c.dle then
                r.problem = string.format("control character %s inside normal text", hex2(byte))
                return r
            else
                r.text[#r.text + 1] = byte
                register = check_update(c, register, byte)
                i = i + 1
            end
        end
    end

    r.computed = register
    if n - i + 1 < c.check_length then
        r.problem = string.format("the block check (%d byte%s) is missing", c.check_length, c.check_length == 1 and "" or "s")
        r.score = 1
        return r
    end
    r.bcc_offset = i
    if c.check_length == 1 then
        r.bcc = b[i]
    else
        r.bcc = b[i] + b[i + 1] * 256 -- low byte first
    end
    r.bcc_valid = r.bcc == r.computed
    r.length = i + c.check_length - first
    if i + c.check_length - 1 < n then
        r.trailing = n - (i + c.check_length - 1)
        r.score = 1
    else
        r.score = r.bcc_valid and 3 or 2
    end
    return r
end

local function choose(b)
    local preferred = bdlc.prefs.coding == CODING_EBCDIC and CODING_EBCDIC or CODING_ASCII
    local other = preferred == CODING_ASCII and CODING_EBCDIC or CODING_ASCII
    local result = parse(b, codings[preferred])
    result.detected = false
    if bdlc.prefs.detect and result.score < 3 then
        local alternative = parse(b, codings[other])
        if alternative.score > result.score then
            alternative.detected = true
            return alternative
        end
    end
    return result
end

function bdlc.dissector(tvb, pinfo, tree)
    local length = tvb:len()
    if length < 1 then return 0 end
    pinfo.cols.protocol = "BDLC"
    local prefix = tvb(0, 1):uint()
    local from_tributary = bit.band(prefix, 0x80) ~= 0
    local line = bit.band(prefix, 0x7F)
    local root = tree:add(bdlc, tvb(), "Basic-mode data link control")
    local prefix_item = root:add(tvb(0, 1), string.format("Direction/line: %s, line %d", directions[from_tributary and 1 or 0], line))
    prefix_item:add(f.direction, tvb(0, 1))
    prefix_item:add(f.line, tvb(0, 1))
    pinfo.cols.src = from_tributary and "tributary" or "host"
    pinfo.cols.dst = from_tributary and "host" or "tributary"

    local arrow = from_tributary and "trib→host" or "host→trib"
    local b = {}
    for i = 1, length - 1 do b[i] = tvb(i, 1):uint() end
    if #b == 0 then
        root:add_proto_expert_info(e.malformed, "Empty element (direction byte only)")
        pinfo.cols.info = string.format("L%d %s (empty)", line, arrow)
        return length
    end

    local r = choose(b)
    local c = r.coding
    -- tvb offset of element byte k (1-based)
    local function at(k) return k end
    local coding_item = root:add(f.coding, tvb(1, length - 1), c.name)
    coding_item:append_text(r.detected and " (detected: not valid " .. (c == codings[CODING_ASCII] and "EBCDIC" or "ASCII") .. ")" or " (preference)")
    coding_item:set_generated()

    local info
    if r.control ~= nil then
        local range = tvb(at(r.first), math.min(r.length, length - r.first))
        root:add(f.element, range, r.kind)
        root:add(f.control, range, r.control)
        if r.station ~= nil then
            root:add(f.station, tvb(at(r.first), 1), r.station)
            root:add(f.address_char, tvb(at(r.first), 1), r.address_char)
            root:add(f.select, tvb(at(r.first), 1), r.select)
            info = string.format("%s %s station %s", r.kind, r.select and "to" or "of", hex2(r.station))
        else
            info = r.kind
        end
    elseif r.kind == "TEXT" then
        root:add(f.element, tvb(at(r.first), length - r.first), "TEXT")
        if r.heading_offset ~= nil and r.heading_length ~= nil then
            if r.heading_length > 0 then
                root:add(f.heading, tvb(at(r.heading_offset), r.stx_offset - r.heading_offset))
            end
            if r.lu ~= nil then
                root:add(f.lu, tvb(at(r.heading_offset), r.heading_length), r.lu)
            end
        end
        if r.stx_offset ~= nil then
            root:add(f.transparent, tvb(at(r.stx_offset), r.transparent and 2 or 1), r.transparent == true)
        end
        if r.text_end ~= nil then
            local wire_length = r.text_end - r.text_offset + 1
            local text_range = wire_length > 0 and tvb(at(r.text_offset), wire_length) or tvb(at(r.end_offset), 0)
            root:add(f.text_len, text_range, #r.text)
            if #r.text > 0 then
                if r.transparent and #r.text ~= wire_length then
                    -- DLEs undoubled (or DLE SYN dropped): show the text as its own data source.
                    local bytes = ByteArray.new()
                    bytes:set_size(#r.text)
                    for k = 1, #r.text do bytes:set_index(k - 1, r.text[k]) end
                    local text_tvb = bytes:tvb("Transparent text")
                    root:add(f.text, text_tvb())
                else
                    root:add(f.text, text_range)
                end
            end
            root:add(f.block_end, tvb(at(r.end_offset), r.end_length), r.block_end)
        end
        if r.bcc ~= nil then
            local bcc_range = tvb(at(r.bcc_offset), c.check_length)
            local bcc_item = root:add(f.bcc, bcc_range, r.bcc)
            bcc_item:append_text(" (" .. c.check .. ")")
            root:add(f.bcc_computed, bcc_range, r.computed):set_generated()
            local valid_item = root:add(f.bcc_valid, bcc_range, r.bcc_valid)
            valid_item:set_generated()
            if not r.bcc_valid then
                valid_item:add_proto_expert_info(e.bad_bcc,
                    string.format("Block check 0x%04X received, the block gives 0x%04X (%s)", r.bcc, r.computed, c.check))
            end
        end
        local parts = { "TEXT" }
        if r.lu ~= nil then parts[#parts + 1] = string.format("LU %d", r.lu) end
        if r.transparent then parts[#parts + 1] = "transparent" end
        if r.block_end ~= nil then parts[#parts + 1] = r.block_end end
        if r.text_end ~= nil then parts[#parts + 1] = string.format("%d bytes", #r.text) end
        if r.bcc ~= nil and not r.bcc_valid then parts[#parts + 1] = "BAD BCC" end
        info = table.concat(parts, " ")
    else
        root:add(f.element, tvb(1, length - 1), r.kind)
        info = r.kind
    end

    if r.problem ~= nil then
        local expert_field = r.aborted and e.aborted or e.malformed
        root:add_proto_expert_info(expert_field, r.problem .. " (" .. c.name .. ")")
        info = info .. " [" .. r.problem .. "]"
    end
    if r.trailing ~= nil then
        root:add_proto_expert_info(e.trailing, string.format("%d byte%s after the element", r.trailing, r.trailing == 1 and "" or "s"))
    end
    pinfo.cols.info = string.format("L%d %s %s", line, arrow, info)
    return length
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, bdlc)
