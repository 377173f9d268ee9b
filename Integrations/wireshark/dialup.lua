-- Wireshark / tshark dissector for netmgr's dial-up dialogue captures: what crossed the
-- serial cable between a DTE (the host, or netmgrd) and its modem in command mode, recorded
-- as LINKTYPE_USER1 (148) next to the line's SDLC interface (LINKTYPE_SDLC 268) in one pcapng.
--
-- Each record is one direction byte, then the bytes as they were on the cable:
--   0x00 = DTE -> modem (commands: ATZ, ATDT0300001111, ATA, ATH; V.25bis CRN/CIC/DIC)
--   0x01 = modem -> DTE (results: OK, RING, NMBR = ..., CONNECT 9600, NO CARRIER, BUSY,
--          NO ANSWER; the modem's echo of AT commands; V.25bis INC/VAL/INV/CFI)
-- Hayes text is split into lines at CR/LF. V.25bis commands and indications are HDLC
-- frames: flag 0x7E, address 0xFF, control 0x13, IA5 text, FCS (CRC-16/X.25), flag, with
-- 0x7D transparency; each is shown with its text and whether its FCS is good.
--
-- Use:  tshark -X lua_script:Integrations/wireshark/dialup.lua -r dialup.pcapng
-- or copy this file to ~/.local/lib/wireshark/plugins/ (see README.md here).
-- Without the script: DLT_USER1 can be mapped to the "data-text-lines" dissector by a
-- uat:user_dlts line (Hayes text only; see README.md).

local bit = bit32 or bit
if bit == nil then
    bit = {
        band = load("return function(a, b) return a & b end")(),
        bxor = load("return function(a, b) return a ~ b end")(),
        rshift = load("return function(a, n) return a >> n end")(),
    }
end

local dialup = Proto("dialup", "netmgr dial-up dialogue (DTE - modem, command mode)")

local directions = { [0] = "DTE -> modem", [1] = "modem -> DTE" }
local f_direction = ProtoField.uint8("dialup.direction", "Direction", base.HEX, directions)
local f_line = ProtoField.string("dialup.line", "Line")
local f_v25bis = ProtoField.string("dialup.v25bis", "V.25bis")
local f_fcs = ProtoField.uint16("dialup.fcs", "FCS", base.HEX)
local f_fcs_good = ProtoField.bool("dialup.fcs_good", "FCS good")
dialup.fields = { f_direction, f_line, f_v25bis, f_fcs, f_fcs_good }

local e_bad_fcs = ProtoExpert.new("dialup.bad_fcs", "V.25bis frame with a bad FCS", expert.group.CHECKSUM, expert.severity.WARN)
local e_unknown = ProtoExpert.new("dialup.unknown_direction", "Unknown direction byte", expert.group.MALFORMED, expert.severity.ERROR)
dialup.experts = { e_bad_fcs, e_unknown }

-- CRC-16/X.25 (reflected 0x8408, initial 0xFFFF, complemented), over a table of bytes.
local function fcs16(bytes, first, last)
    local crc = 0xFFFF
    for i = first, last do
        crc = bit.bxor(crc, bytes[i])
        for _ = 1, 8 do
            if bit.band(crc, 1) == 1 then
                crc = bit.bxor(bit.rshift(crc, 1), 0x8408)
            else
                crc = bit.rshift(crc, 1)
            end
        end
    end
    return bit.bxor(crc, 0xFFFF)
end

local function printable(bytes, first, last)
    local out = {}
    for i = first, last do
        local b = bit.band(bytes[i], 0x7F)
        if b >= 0x20 and b < 0x7F then out[#out + 1] = string.char(b) else out[#out + 1] = string.format("\\x%02X", b) end
    end
    return table.concat(out)
end

-- One V.25bis frame: `raw` are the escaped bytes between the flags, at `offset` in tvb.
local function v25bis_frame(tvb, tree, offset, length, summary)
    local bytes = {}
    local escaped = false
    for i = 0, length - 1 do
        local b = tvb(offset + i, 1):uint()
        if escaped then
            bytes[#bytes + 1] = bit.bxor(b, 0x20)
            escaped = false
        elseif b == 0x7D then
            escaped = true
        else
            bytes[#bytes + 1] = b
        end
    end
    local range = tvb(offset - 1, length + 2)
    if #bytes < 4 or bytes[1] ~= 0xFF or bytes[2] ~= 0x13 then
        tree:add(f_v25bis, range, "(not a V.25bis frame)")
        summary[#summary + 1] = "[frame]"
        return
    end
    local text = printable(bytes, 3, #bytes - 2)
    local item = tree:add(f_v25bis, range, text)
    local fcs = bytes[#bytes - 1] + bytes[#bytes] * 256
    local good = fcs16(bytes, 1, #bytes - 2) == fcs
    item:add(f_fcs, range, fcs)
    item:add(f_fcs_good, range, good)
    if not good then item:add_proto_expert_info(e_bad_fcs) end
    summary[#summary + 1] = text
end

function dialup.dissector(tvb, pinfo, tree)
    local length = tvb:len()
    if length < 1 then return 0 end
    pinfo.cols.protocol = "DIALUP"
    local subtree = tree:add(dialup, tvb())
    local direction = tvb(0, 1):uint()
    local item = subtree:add(f_direction, tvb(0, 1))
    if directions[direction] == nil then item:add_proto_expert_info(e_unknown) end
    local summary = {}
    local i = 1
    local line_start = nil
    while i < length do
        local b = tvb(i, 1):uint()
        if b == 0x7E then
            -- a V.25bis frame up to the next flag
            local j = i + 1
            while j < length and tvb(j, 1):uint() ~= 0x7E do j = j + 1 end
            if j < length and j > i + 1 then
                v25bis_frame(tvb, subtree, i + 1, j - i - 1, summary)
                i = j + 1
            else
                i = j
            end
        elseif b == 0x0D or b == 0x0A then
            if line_start ~= nil then
                local text = tvb(line_start, i - line_start):string()
                subtree:add(f_line, tvb(line_start, i - line_start), text)
                summary[#summary + 1] = text
                line_start = nil
            end
            i = i + 1
        else
            if line_start == nil then line_start = i end
            i = i + 1
        end
    end
    if line_start ~= nil then  -- a line the next record continues
        local text = tvb(line_start, length - line_start):string()
        subtree:add(f_line, tvb(line_start, length - line_start), text)
        summary[#summary + 1] = text .. "..."
    end
    local arrow = directions[direction] or "?"
    pinfo.cols.info = arrow .. ": " .. table.concat(summary, " | ")
    return length
end

DissectorTable.get("wtap_encap"):add(wtap.USER1, dialup)
