import FalcoAlerts
import Runtime

/// The alert as the report and the claims see it.
package enum AlertSummary {
    /// What the claims weigh.
    package static func facts(of alert: FalcoAlert) -> AlertFacts {
        AlertFacts(
            rule: alert.rule, containerID: alert.containerID, containerName: alert.containerName, image: alert.image,
            containerStartNanoseconds: alert.containerStartTimestamp?.int64Value, exePath: alert.exePath,
            cmdline: alert.cmdline, flags: Set(alert.execFlags.isExecFlags ? alert.execFlags.names : []),
            exeChangeTimeNanoseconds: alert.exeInodeCtime?.int64Value, timeNanoseconds: alert.time?.nanosecondsSinceEpoch)
    }

    /// The alert's time, the centre of the window of logs and events.
    static func instant(of alert: FalcoAlert) -> RuntimeInstant? {
        alert.time.map { RuntimeInstant(seconds: $0.secondsSinceEpoch, nanoseconds: Int64($0.nanoseconds)) }
    }

    static func summary(of alert: FalcoAlert) -> InvestigationReport.Alert {
        var fields: [String: ExactJSON] = [:]
        for member in alert.outputFields { fields[member.name] = ExactJSON(member.value) }
        return .init(
            rule: alert.rule, priority: alert.priorityName, time: alert.time?.text, source: alert.source,
            hostname: alert.hostname, containerId: alert.containerID, containerName: alert.containerName,
            image: alert.image, exePath: alert.exePath, cmdline: alert.cmdline,
            flags: alert.execFlags.isExecFlags ? alert.execFlags.names : [], fields: fields,
            unreadable: alert.isLossy ? alert.unreadableFields : nil, uuid: alert.uuid,
            priorityAsWritten: alert.originalPriority == alert.priorityName ? nil : alert.originalPriority,
            timeWithoutZone: alert.time == nil ? alert.unzonedTime?.text : nil,
            provenance: alert.provenance.map {
                .init(kind: $0.kind.rawValue, host: $0.host, time: $0.time, identifier: $0.identifier, pid: $0.pid)
            })
    }
}

extension ExactJSON {
    /// The alert's field value, digit for digit.
    init(_ value: FieldValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number.text)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .array(let values): self = .array(values.map(ExactJSON.init))
        case .object(let members):
            self = .object(Dictionary(members.map { ($0.name, ExactJSON($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
