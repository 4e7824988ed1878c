//! The twelve emulated operations by their model names: the key that routing, counters, rate limits and faults share.

/// The operations the emulator serves, by their model names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Operation {
    CreateStage,
    GetStage,
    ListStages,
    DeleteStage,
    CreateIngestConfiguration,
    GetIngestConfiguration,
    ListIngestConfigurations,
    UpdateIngestConfiguration,
    DeleteIngestConfiguration,
    TagResource,
    UntagResource,
    ListTagsForResource,
}

impl Operation {
    pub(crate) const ALL: [Operation; 12] = [
        Operation::CreateStage,
        Operation::GetStage,
        Operation::ListStages,
        Operation::DeleteStage,
        Operation::CreateIngestConfiguration,
        Operation::GetIngestConfiguration,
        Operation::ListIngestConfigurations,
        Operation::UpdateIngestConfiguration,
        Operation::DeleteIngestConfiguration,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::ListTagsForResource,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Operation::CreateStage => "CreateStage",
            Operation::GetStage => "GetStage",
            Operation::ListStages => "ListStages",
            Operation::DeleteStage => "DeleteStage",
            Operation::CreateIngestConfiguration => "CreateIngestConfiguration",
            Operation::GetIngestConfiguration => "GetIngestConfiguration",
            Operation::ListIngestConfigurations => "ListIngestConfigurations",
            Operation::UpdateIngestConfiguration => "UpdateIngestConfiguration",
            Operation::DeleteIngestConfiguration => "DeleteIngestConfiguration",
            Operation::TagResource => "TagResource",
            Operation::UntagResource => "UntagResource",
            Operation::ListTagsForResource => "ListTagsForResource",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Operation> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The operations addressed as `POST /<OperationName>` (all but the tag operations).
    pub(crate) fn from_post_path(name: &str) -> Option<Operation> {
        Self::from_name(name).filter(|op| {
            !matches!(
                op,
                Operation::TagResource | Operation::UntagResource | Operation::ListTagsForResource
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_paths_exclude_the_tag_operations() {
        assert_eq!(
            Operation::from_post_path("GetStage"),
            Some(Operation::GetStage)
        );
        assert_eq!(Operation::from_post_path("TagResource"), None);
        assert_eq!(Operation::from_post_path("getstage"), None);
    }
}
