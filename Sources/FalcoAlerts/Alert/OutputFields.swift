/// An alert's `output_fields`, verbatim: every member in the order the alert had it, values exact.
package struct OutputFields: Sendable, Hashable, RandomAccessCollection {
    /// The members in source order.
    package var members: [FieldMember]

    package init(_ members: [FieldMember] = []) {
        self.members = members
    }

    package var startIndex: Int { members.startIndex }
    package var endIndex: Int { members.endIndex }
    package subscript(position: Int) -> FieldMember { members[position] }

    /// The value of the field called `name` (`container.id`, `proc.aname[2]`), or `nil` when the alert does not
    /// carry it. A present `null` is `.null`, not `nil`.
    package subscript(name: String) -> FieldValue? {
        members.first { $0.name == name }?.value
    }

    /// The fields as one JSON object, values exact.
    package func jsonText(sortedKeys: Bool = false) -> String {
        FieldValue.object(members).jsonText(sortedKeys: sortedKeys)
    }
}
