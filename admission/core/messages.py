"""The fixed messages operations and checks raise, listed for the translation catalogue: an error is
translated where it is raised, in the language of the request (core.i18n.translate_message), and
these lines are how the extractor finds its msgids. Messages built from values stay Chinese in English
pages, with English punctuation."""

from admission.core.i18n import lazy_gettext as _l

FIXED_MESSAGES = (
    _l("请求格式有误"),
    _l("未登录或登录已失效"),
    _l("无权执行此操作"),
    _l("找不到该资源"),
    _l("不支持此请求方法"),
    _l("当前状态下不能执行此操作"),
    _l("数据已被他人修改，请刷新后重试"),
    _l("上传内容过大"),
    _l("请求内容类型不受支持"),
    _l("数据未通过校验"),
    _l("操作过于频繁，请稍后再试"),
    _l("服务器内部错误"),
    _l("服务暂时不可用，请稍后再试"),
    _l("不予批准时必须说明理由"),
    _l("令牌无效或已被吊销"),
    _l("会议时间不能早于现在"),
    _l("只有从未提交过的草稿可以删除"),
    _l("只有申请单位可以修改本单位的申请"),
    _l("只有申请单位可以删除本单位的草稿"),
    _l("只有申请单位可以提出申请"),
    _l("只有联席会议办公室和牵头单位可以校验审计记录"),
    _l("只有联席会议办公室（县委编办）可以编制和发布清单版本"),
    _l("只有草稿或已退回的申请可以修改"),
    _l("地址中不能含有空字符"),
    _l("已有尚未发布的草稿版本，请先发布或删除它"),
    _l("征求意见范围内没有任何村（社区）"),
    _l("征求意见范围只能在事项适用范围内收窄"),
    _l("截止日期不能早于今天"),
    _l("文本中含有无效的 Unicode 字符"),
    _l("没有已发布的清单"),
    _l("没有已发布的清单版本"),
    _l("没有已批准、待列入清单的申请"),
    _l("申请已被他人修改，请重新读取后再提交"),
    _l("申请已被他人处理，请刷新后重试"),
    _l("申请未通过准入条件审查，请按提示修改后再提交"),
    _l("电子邮箱地址格式不正确"),
    _l("请求体不是有效的 JSON"),
    _l("请求体嵌套过深"),
    _l("请求体应为 JSON 对象"),
    _l("请用 from 和 to 两个整数参数指定要比较的版本"),
)
