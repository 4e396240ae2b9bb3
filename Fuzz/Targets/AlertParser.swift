// Fuzz target: the Falco alert reader (`AlertReader.parseAlert`, `parseDocument`, `AlertStream`), with
// its encoding detection (UTF-8 with or without a byte-order mark, UTF-16 with one) and log prefixes
// (syslog/journald, `kubectl logs --timestamps`, `journalctl -o json` entries).
//
// Alerts come from whoever can make Falco (or something posing as falcosidekick) write a line, so
// every byte sequence must end in an alert or a positioned error, never a trap. Beyond not crashing:
// a document entry's byte range must slice the document's UTF-8 text (the CLI keeps exactly those
// bytes as the bundle's `alert.json`) and read back as the same alert; the stream reader must give
// the document's alerts; the transcoder must give the same UTF-8 however the bytes are split into
// reads; output fields written back as JSON must read back unchanged; and text made visible must hold
// no control character.

import Foundation

@testable import FalcoAlerts

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAlertParser(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))

    if let alert = try? AlertReader.parseAlert(bytes, source: "fuzz") {
        checkVisible(alert)
        checkFieldsRoundTrip(alert)
    }

    if let document = try? AlertReader.parseDocument(bytes, source: "fuzz") {
        let text = document.text
        for entry in document.entries {
            guard entry.byteRange.lowerBound >= 0, entry.byteRange.upperBound <= text.count else {
                fatalError("entry byte range \(entry.byteRange) outside a text of \(text.count) bytes")
            }
            guard let again = try? AlertReader.parseAlert(text[entry.byteRange], source: "fuzz") else {
                fatalError("the bytes of entry at line \(entry.line) do not read back as an alert")
            }
            guard again == entry.alert else { fatalError("entry at line \(entry.line) reads back differently") }
        }
        for bad in document.badLines { _ = bad.description }
    }

    readAsStream(bytes)
    checkStreamAgrees(bytes)
    checkChunkedTranscoding(bytes)
    return 0
}

/// The stream reader (triage, with the ordinary line limit) gives the document reader's alerts and bad lines.
private func checkStreamAgrees(_ bytes: [UInt8]) {
    let document = AlertReader.readLines(bytes, source: "fuzz")
    defer { unlink(streamFile) }
    guard FileManager.default.createFile(atPath: streamFile, contents: Data(bytes)),
        let input = try? AlertInput.open(streamFile)
    else { return }
    let stream = AlertStream(input: input, mode: .complete)
    var alerts: [FalcoAlert] = []
    var badLines: [Int?] = []
    while let item = try? stream.next() {
        switch item {
        case .alert(let alert, _): alerts.append(alert)
        case .badLine(let error): badLines.append(error.line)
        }
    }
    guard alerts == document.alerts else { fatalError("the stream and the document read different alerts") }
    guard badLines == document.badLines.map(\.line) else {
        fatalError("the stream and the document found bad lines at \(badLines) and \(document.badLines.map(\.line))")
    }
}

/// Transcoding in reads of any size gives the same text as transcoding everything at once.
private func checkChunkedTranscoding(_ bytes: [UInt8]) {
    var whole = InputTranscoder()
    var expected: [UInt8] = []
    bytes.withUnsafeBytes { whole.decode($0, atEnd: true, into: &expected) }
    let step = Int(bytes.first ?? 1) % 7 + 1
    var chunked = InputTranscoder()
    var actual: [UInt8] = []
    bytes.withUnsafeBytes { all in
        var start = 0
        repeat {
            let end = min(start + step, all.count)
            chunked.decode(UnsafeRawBufferPointer(rebasing: all[start..<end]), atEnd: end == all.count, into: &actual)
            start = end
        } while start < all.count
    }
    guard actual == expected, chunked.encoding == whole.encoding else {
        fatalError("transcoding in reads of \(step) bytes differs from transcoding at once")
    }
}

/// Every line of `bytes` through the bounded stream reader, with a tiny line limit so over-long lines
/// and the buffer's refills are exercised on small inputs.
private let streamFile = NSTemporaryDirectory() + "fuzz-alerts-\(getpid())"

private func readAsStream(_ bytes: [UInt8]) {
    defer { unlink(streamFile) }
    guard FileManager.default.createFile(atPath: streamFile, contents: Data(bytes)),
        let input = try? AlertInput.open(streamFile)
    else { return }
    let stream = AlertStream(input: input, mode: .complete, maximumLineLength: 64)
    var lastLine = 0
    while let item = try? stream.next() {
        let line: Int
        switch item {
        case .alert(let alert, let number):
            checkVisible(alert)
            line = number
        case .badLine(let error):
            line = error.line ?? lastLine
        }
        guard line > lastLine else { fatalError("line numbers went from \(lastLine) to \(line)") }
        lastLine = line
    }
}

/// `VisibleText` must leave nothing a terminal would act on.
private func checkVisible(_ alert: FalcoAlert) {
    var texts = [alert.rule, alert.priorityName, alert.output ?? "", alert.hostname ?? ""]
    for member in alert.outputFields {
        texts.append(member.name)
        texts.append(member.value.displayText)
    }
    for text in texts {
        for visible in [VisibleText.terminal(text), VisibleText.markdown(text)] {
            for scalar in visible.unicodeScalars {
                switch scalar.value {
                case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069:
                    fatalError("VisibleText left U+\(String(scalar.value, radix: 16)) in \(visible.debugDescription)")
                default:
                    continue
                }
            }
        }
    }
}

/// Output fields written back as JSON must read back as the same fields, digit for digit.
private func checkFieldsRoundTrip(_ alert: FalcoAlert) {
    guard alert.format == .json, alert.hasOutputFields else { return }
    let text =
        #"{"rule":"r","priority":"Warning","time":"2024-01-01T00:00:00Z","output_fields":"#
        + alert.outputFields.jsonText() + "}"
    guard let again = try? AlertReader.parseAlert(text, source: "round trip") else {
        fatalError("output fields written as JSON do not read back: \(text)")
    }
    guard again.outputFields == alert.outputFields else {
        fatalError("output fields changed in a JSON round trip: \(text)")
    }
}
