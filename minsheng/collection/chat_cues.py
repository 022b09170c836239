"""What one chat message says: transparent cues, their features, and the small linear model over them
that decides whether a message standing on its own is a demand (pure logic)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from minsheng.triage.engine import embed
from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CATEGORY_NAMES, CONCEPTS

from .chat_export import Cleaned, Message

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "chat_model.joblib"
MODEL_VERSION = 2


# ---------------------------------------------------------------------------------------------
# 3. Cues: transparent features of one message

def _rx(*parts: str) -> re.Pattern:
    return re.compile("|".join(parts))


# 楼道长/楼长/单元长, and volunteers on their rounds, speak for their neighbours: their problem reports
# are demands (domain.md §2), their notices and replies are not — as for the 网格员 on residents' behalf.
LEADER_NICK_RE = _rx(r"楼道长", r"楼长", r"单元长", r"楼栋长", r"居民组长", r"组长", r"志愿")
STAFF_NICK_RE = _rx(r"网格", r"楼道长", r"楼长", r"单元长", r"楼栋长", r"社区", r"居委", r"村委", r"书记", r"主任",
                    r"物业", r"管家", r"客服", r"前台", r"值班", r"工作人员", r"社工", r"志愿者", r"保安", r"民警",
                    r"警官", r"派出所", r"管理处", r"管理员", r"经理", r"维修", r"工程部", r"党委", r"党支部",
                    r"服务中心", r"城管", r"环卫", r"市政", r"群主", r"组长", r"施工", r"项目部", r"工程队",
                    # those who serve the compound: the clinic, the gas company's inspectors, the electrician
                    r"卫生服务站", r"卫生站", r"服务站", r"村医", r"医生", r"燃气", r"安检", r"电工")
# a day and a visit: staff promising one ("今天上午来换"), or a resident asking whether it comes
_DAY = r"(今天|明天|下午|上午|这两天|这周)"
_VISIT = r"(来|去|过来|安排|修|处理|装|换)"
CUES: dict[str, tuple[str, re.Pattern]] = {
    "problem": ("问题描述", _rx(
        r"(?<!高兴)(?<!开心)坏|堵|漏|渗|不亮|弗亮|不通|弗通|不灵|失灵|没反应|故障|卡住|卡在|关不上|打不开|刷不开",
        r"异响|响声|咣当|哐当|咚咚|嗡嗡|噼里啪啦|臭|味道(很|太|好|交关)?(大|重|难闻|冲)|怪味|异味|焦味|腥",
        r"吵|噪|脏|乱[停扔倒堆丢放接]|满了|满出|满溢|溢|积水|淹了|被淹|水淹|淹到|进水|水进|漫进|灌进|倒灌|坑|破|裂|断|塌|掉下|掉了一|脱落|松了|松动|歪",
        r"倒[了在]|锈|冒烟|冒火|火花|漏电|裸露|困人|被困|困在|堆|占[了道着用]|挡|遮|飞线|拉线|老鼠|蟑螂|蚊|苍蝇|虫|蛀|偷|撬",
        r"垃圾|没人[管清扫修理来收倒]|太[少多差吵脏臭暗高低慢小]|不够|没水|没电|不出水|水压|发黄|翘|晃|摔|绊|滑倒",
        r"黑乎乎|黑漆漆|黑咕隆咚|摸黑|不安全|危险|扰民|睡不着|受不了|没法|弗好用|不好用|不能用|用不了|抢不到|停不",
        r"进不去|过不去|出不去|不敢|缺货|没地方|黑了|全黑|碎了|玻璃碎|不拴绳|乱叫|狗叫|狗屎|狗粪|黏糊糊",
        r"(多久|好久|几天|半个月)没(人|来|扫|清|修|打扫|收|倒)",
        # what comes out of the tap or the heater: "水怎么是黄的", "一滴水都没有", "没热水"
        r"(是|变|全|有点|还是)黄[的了]?|黄(水|汤)|浑浊|水都没有|一滴水|没(有)?热水|不出热水|(煤气|燃气|烟|糊|电线)味|关人|[关锁](不|弗)(牢|紧|上)|一直滴|滴水")),
    "danger": ("安全隐患", _rx(r"危险|隐患|砸|差点|摔|着火|起火|冒烟|火花|漏电|触电|煤气|燃气味|困人|被困|救命|紧急|出人命|吓死|吓人",
                                r"要掉|要倒|摇摇欲坠|歪了|随时")),
    "request": ("求助/请求用语", _rx(
        r"麻烦(?![了你您大])|请(尽快|赶紧|社区|物业|网格|相关|帮|派|安排|来|处理|管|问|人)|帮忙|帮(我|看|问|处理|弄|修|联系)",
        r"能不能|能否|可不可以|可否|希望|建议|求助|谁(来)?管|有没有人管|管一管|管管|处理一下|修一下|看一下|看看",
        r"来人|快来|赶紧|尽快|反映|投诉|举报|报修|怎么办|咋办|找谁|申请|怎么(申请|办|弄|交|报名|补)|在哪(里)?[办交补]",
        r"报名|要带什么|需要(带|什么)|协调|出面|检查一下|检测|清一清|修一修|弄一下|派人|叫人|安排人")),
    "question": ("提问", _rx(r"[?？]|吗|呢|伐|是不是|请问|有没有|咋|怎么|哪里|哪儿|哪块|多少|几点|什么时候|啥辰光|阿是")),
    "place": ("地点", _rx(
        r"\d+\s*(幢|栋|号楼|单元|楼|室|#)|[一二三四五六七八九十两]+(幢|栋|号楼|单元|楼|期)|楼道|楼梯|楼下|楼上|楼顶|顶楼",
        r"门口|电梯|地下室|车库|小区|[东南西北]门|厨房|卫生间|阳台|窗|过道|路口|河|广场|绿化带|草坪|花坛",
        r"车棚|垃圾房|菜场|市场|公厕|厕所|路灯|停车场|篮球场|健身|泵站|排涝站|巷|路上|路面|人行道")),
    "first_person": ("本人/本户", _rx(r"我家|我们家|我们(楼|单元|这|那|小区|幢|栋)|俺|阿拉|我(妈|爸|父亲|母亲|老人|孩子|儿子|女儿|老头|老伴|孙)",
                                      r"家里老人|我住|住在|我就住")),
    "duration": ("持续/反复", _rx(r"[一二两三四五六七八九十\d]+(天|分钟|个钟头|小时)了|前[两几]天|早就|昨天就|上个?(礼拜|星期|月)就|好几天|几天了|[一二两三几]个(礼拜|星期|月)|天天|每天|一直|又|还是|老是|总是|经常|每次|好久|半个月|一年")),
    "followup": ("催办用语", _rx(
        r"还没有?(人)?(来|修|处理|弄|解决|好|动静|下文|人理|人管|换|抽|清)|怎么还|到现在|催一下|再催|有人管吗|有人理吗",
        r"(还是|都|一直|根本|怎么)没人(管|理|回|来)|没人(管|理)吗",
        r"还是(老样子|没人|没(换|修|来|弄|好|清|抽|装)|不|弗|坏|那样|一样|敞)|又要|什么时候(来|修|能)|有下文|进展|结果呢|怎么样了|说好的|等到",
        r"能来吗|来了没|来不来|啥时候来|[修弄]好没|修好了没|弄好了没|归谁管|谁来管|到底谁管|到底有没有人",
        # a resident waiting for the repairer: "师傅几点到？我请了假在家等", "工单查到了伐"
        r"几点(到|来|能到|过来)|(啥|什么)时候到|到了没|在家等|等了(一|半|好)|工单|说好[^，,。！!？?]{0,8}(呢|人呢|[?？])|人呢")),
    "again": ("又/仍然", _rx(r"又(坏|堵|漏|不亮|停|来了|这样|滴|响|吵)|今天又|还在[响漏滴吵堵冒]|还是[^，,。]{0,6}[坏堵漏响吵]")),
    "relay": ("转述居民反映", _rx(r"(居民|住户|邻居|业主|老人|(?<![跟和给同向对])大家|几户|好几家|有人|几位|老板|摊主|阿姨|大爷|老伯|奶奶)[^，。,]{0,6}(反映|讲|说|来问|问)",
                                r"跟我(讲|说|反映)|向我反映|托我|让我(问|反映)|问我|替.{0,4}反映|帮.{0,4}问一下|(她|他)问社区")),
    # what one found on one's rounds or passing by ("今天巡查发现…", "我刚路过也看到了"): a report, also from staff
    "rounds": ("巡查所见", _rx(r"(今天|刚才|刚刚|今早|晚上|早上|上午|下午|昨天|昨晚|我)[^，,。]{0,4}(走访|巡查|巡逻|转了一圈|入户|路过)"
                              r"[^。！!，,]{0,4}(发现|看到|看了)")),
    "metoo": ("附和", _rx(r"我家也|我们(家|这|楼|单元|这边|那边)?也|也是|同样|一样|\+1|同问|同感|附议|顶一下|(?<![不弗没])(支持|同意)|我也(?!去|来|下来|下去|过去|上去|出来)",
                          r"俺家也|确实|对的|^对[，, ]|是的是的|^是的|^是额|^是格|^对额|(?<![不弗没])赞成|也[有是没不弗被在闻看听]|也想|也要|也需要")),
    "notice": ("通知用语", _rx(
        r"通知|温馨提示|温馨提醒|提醒(大家|各位)|公告|请(大家|各位|广大)|各位(业主|居民|邻居|住户|老板|居民朋友)|@所有人",
        r"届时|将于|特此|敬请|知悉|接龙|报名请|欢迎(大家|参加)|注意安全|相互转告|请配合|配合一下|【|不要在群里",
        r"请.{0,6}(邻居|住户|居民|业主)们?(帮忙|注意|把|自己|及时)|大家(注意|记得|把|别|不要)",
        r"(居民|住户|业主|邻居|乡亲)们?[，,：: ]?(请)?注意|的注意(下|一下)")),
    "ad": ("广告用语", _rx(r"出售|转让|出租|求租|招聘(?!信息)|招收|代购|加微信|加v|vx|私聊|优惠|特价|特惠|团购|批发|包邮|兼职",
                          r"日结|上门回收|收购|回收|价格|\d+\s*元|\d+块|九成新|八成新|电话[:：]?\s*\d|\*{3,}|招生|打[八九七]折")),
    "thanks": ("致谢", _rx(r"谢谢|感谢|多谢|辛苦|点赞|给力|👍|效率(真|很)?高|谢啦|谢了|麻烦(你|您|大家)?了|及时")),
    "resolved": ("已解决", _rx(r"(修|弄|通|清|换|装|处理|解决|搞|拉|锯|焊|摘|办|剪|抽|补|调)(好|掉|完|走|定|死|小)了|已经(修|处理|弄|清|换|解决|通|疏通|拉走|锯|剪|抽|办)",
                               r"好了[，,!！。]|好了$|搞定|恢复了|没事了|终于|干净多了|没声音了|安静了",
                               r"找到了|(火|烟)(已经)?灭了|(声音|噪音)?小多了|好多了|(120|消防车?|救护车|民警|警察|师傅|物业|电工)(也)?(已经)?(来了|到了)",
                               r"人(都)?没事|停下来了|抽筋停了|(沙子|灯|锁|门)(已经)?换了|(现在|已经|都)(恢复)?正常了|换好了?(?![^，,。！!？?]{0,4}[吗伐没])",
                               r"(管子|水管|下水道?|马桶|地漏)(已经)?通了|水(已经)?退(了|下去)|来电了|来水了|有水了|不(滴|漏|响|冒)了")),
    "greeting": ("问候", _rx(r"^(各位|大家|亲们)?(早|早上好|早安|晚安|中午好|下午好|晚上好|好|新年好)[呀啊哈]?[!！~。 ]*$",
                             r"快乐|安康|大家好|早上好(?![几多些])|早安|晚安|欢迎欢迎|请多关照")),
    "ack": ("确认回复", _rx(r"^(收到|好的|好滴|ok|嗯+|明白|明白了|知道了|了解|1|好|行|可以|好好好|好嘞|收到收到|好的好的)[!！~。 ]*$",
                            r"^(那就好|那就放心了|没事就好|放心了|好的好的|谢谢[啦了]?|ok)",
                            r"^(收到|好的)[，, ]?(谢谢|谢谢提醒|辛苦了)?[!！~。 ]*$")),
    "laugh": ("说笑", _rx(r"哈哈|呵呵|笑死|嘻嘻|羡慕|恭喜|新闻|听说|据说|朋友圈|开心|原来是|虚惊一场|开玩笑")),
    "commit": ("答复/承诺用语", _rx(
        r"已(经)?(安排|通知|联系|上报|报给|报了|派|反映|反馈|记下|登记)|马上(去|来|安排|联系|叫|打|通知)|稍等|别急",
        rf"我(去|来|下午|明天|马上|私信|帮您|帮你|记下|中午)|{_DAY}.{{0,6}}{_VISIT}(?!了)",
        r"会(尽快|安排|来|处理|公布|和)|在路上|记下了|列入|整改|上报|帮您|帮你|您")),
    "neighbour_ask": ("问邻居", _rx(r"谁家|(?<!物业)(?<!社区)(?<!网格)(?<!居委)有没有人(?![管来理])|谁知道|有人知道|有邻居知道|哪位邻居|有没有邻居|谁有|求推荐|推荐|拼车|借|有人要|大家有没有|有没有推荐",
                                   r"阿有人(晓得|知道|看到|看见|有|要)|有人晓得|谁晓得|哪个晓得|哪位晓得")),
    "lost_found": ("失物招领", _rx(r"捡到|谁(家)?(掉|落)了|(钥匙|钱包|手机|卡|狗|猫)(跑)?丢了|丢了(一|个|只)|走丢|寻[狗猫人物]|启事|谁家.{0,10}的|下来拿|来拿|认领|放错")),
    # neighbours quarrelling about a problem, or about the quarrel itself: "弗要吵了", "群里吵有什么用"
    "bicker": ("群里争吵", _rx(r"[弗不别甭]要?(再)?吵了|吵来吵去|吵有(什么|啥)用|(群里|天天在群里)[^，。]{0,4}(吵|骂)|吵了[一二三四五六七八九十几好]+年",
                             r"有意思吗|骂物业(也)?没用|怪(啥|谁|哪个)人?|别(在群里)?(发|刷)")),
    # a verdict in an argument ("物业就是不作为", "又是踢皮球", "面子工程"): a view of who is to blame, which
    # reports nothing new (0 demands in the 17 training messages carrying one)
    "view": ("评论/表态", _rx(r"不作为|踢皮球|不负责任?|不能全怪|也不能怪|面子工程|形式主义|有些人就是|也叫尽力|还是可以的",
                           r"就看(后面|以后)|[早迟]晚(要)?出事")),
    # a memory of another time ("上回也是这样", "那年冻了一礼拜"): talk about the past, unless it chases
    "recall": ("说起往事", _rx(r"(上回|上次|那年|那次|去年|前年|早几年|以前|往年)[^，,。！!？?]{0,4}(也|就|都)(是|这样|这么|冻|坏|淹|冒|停)",
                             r"听说是|据说是|早该")),
    "apology": ("道歉", _rx(r"不好意思|对不起|抱歉|sorry|见谅")),
    "you": ("对某人说", _rx(r"你(?!们|好)|侬")),
    "advice": ("给邻居出主意", _rx(r"你(可以|去|打|找|试试|问问)|试试|建议你|私信你")),
    "service": ("办事咨询", _rx(
        r"申请|补贴|办理|证明|社保|医保|低保|疫苗|接种|报名|课堂|养老|助餐|补办|年审|残疾|养老金|户籍|户口|居住证",
        r"体检|义诊|家庭医生|配药|健康证|托班|暑托|尊老金|高龄|法律|就业|培训|招聘信息|助浴|护理|上门服务|老年卡|公交卡",
        r"图书室|图书馆|阅览室|开不开|开放时间|几点开门|上班时间|老年大学|书法班|四点半|课堂|活动室")),
}
# Words and patterns the extractor's rules use (``chat.py``): answers, follow-ups, "me too", staff
# commitments, and what a question shares with a notice.
_ANSWER_RE = re.compile(r"^(在|是的|是|不是|可以|要|不用|一般|大概|有的|没有|应该|好像|可能|去|带|到|坐|就在|对面|旁边|这个要|不要"
                        r"|我(帮|来|有|去|知道|家有|也不知道))"
                        r"|\d+\s*点|左右|就行|就可以|就好")
_FOLLOW_CHARS = set("没人修弄理管催天礼拜星期今明昨早晚又再呢啦")
_FUNCTION_CHARS = set("的了是在有我你他她们吗呢啊吧呀什么几点要不会能可以怎么请问一下这那个哪里还就都也和跟到去来说")
# "Me too" beyond doubt; a looser agreement ("我也看到了", "也不安全") goes to the model.
_SAME_HERE_RE = re.compile(r"^\s*[+＋]\s*1|同问|附议|^(强烈|双手|举双手)?(我|我们)?也?(赞成|支持|同意)|(我|我们|俺|阿拉)(家|屋里|楼|单元|这边|那边|这里)?也(是|一样|这样|有|没|坏|停|漏|堵)"
                           r"|也是这样|也一样|同样的问题")
_STRONG_COMMIT_RE = re.compile(r"已(经)?(安排|通知|联系|上报|报给|派单|派人|反映给|反馈给|记下|登记)|马上(安排|联系|通知|派)|"
                               r"列入|派单|[我我们]+(下午|明天|马上|这就)(去|来|过来)")
_FUNCTION_BIGRAMS = {"请问", "问一", "一下", "什么", "时候", "怎么", "是不", "不是", "可以", "我们", "大家", "社区",
                     "今天", "明天", "有没", "没有", "需要", "要不", "几点", "哪里", "的话", "一个", "这个", "那个"}

CUE_LABELS = {k: v[0] for k, v in CUES.items()}
EXTRA_LABELS = {
    "staff_nick": "工作人员昵称", "staff_seen": "此前发过通知/答复", "concepts": "诉求关键词",
    "urgent_rule": "紧急规则", "cat_conf": "分类把握", "mention_staff": "@工作人员", "mention": "@他人",
    "quote": "引用回复", "short": "消息很短", "len": "消息长度", "emoji_only": "只有表情",
    "type_consult": "咨询", "type_complaint": "投诉", "type_suggestion": "建议", "type_praise": "表扬",
    "type_help": "求助", "multiline": "多行", "q_service": "办事提问", "q_plain": "普通提问",
    "problem_first": "本人遇到的问题", "laugh_emoji": "笑哭表情", "thanks_only": "只是致谢", "problem_resolved": "问题已解决", "staff_problem": "工作人员转述",
    "leader_nick": "楼道长/志愿者", "leader_problem": "楼道长/志愿者转述问题", "urgency": "涉及安全",
    "after_report": "紧接他人诉求", "meaning": "语义像诉求",
    "ctx_report": "他人刚报过问题", "ctx_quiet": "群里安静后开头", "ctx_staff": "紧接工作人员发言", "ctx_notice": "紧接通知",
    "ctx_busy": "多人正在讨论", "ctx_neighbour": "回复邻居", "ctx_fresh": "某处出了问题，本周无人报过",
}
FEATURE_NAMES = list(CUES) + list(EXTRA_LABELS)
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


_RESIDENT_NICK_RE = re.compile(r"居民|业主|住户|家属|妈妈|爸爸|奶奶|外婆")


def is_staff_nick(sender: str) -> bool:
    """网格员小王, 楼道长老周, 采菱社区-李书记, 物业客服… (not "采菱社区居民小李")."""
    return bool(STAFF_NICK_RE.search(sender or "")) and not _RESIDENT_NICK_RE.search(sender or "")


# "大家好，我是二网格的网格员唐宁": whoever introduces themselves so speaks as staff from then on.
SELF_INTRO_RE = re.compile(r"我是[^，。,！!？?\n]{0,14}?(网格员|网格长|社工|社区工作人员|社区的|居委会?的|村委会?的|家庭医生|签约医生|"
                           r"物业(的|经理|管家|客服)|管家|楼道长|楼长|单元长|书记|主任|民警|片警|警官)")
# Residents address staff by surname and role ("杨网格", "周书记"); the sender whose nickname is that
# surname ("小杨🌻", "杨伟") and who speaks next is the one addressed.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
             "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤华")
ADDRESSED_ROLE_RE = re.compile(rf"([{_SURNAMES}])(网格|书记|主任|社工|警官)")
# A message that opens by addressing staff ("周网格，我想办居住证…", "王经理，B区地沟又堵了", "沈洁姐，…"
# to 三勤社区 沈洁) asks them for something: across the training writers' exports openings of surname +
# role were demands 58 times in 62 (the rest a greeting, thanks, or a question about a notice just
# posted). The address is what comes before the first comma or space.
ASK_STAFF_RE = re.compile(rf"^[{_SURNAMES}](网格员?|书记|主任|经理|社工|警官)$")
ADDRESS_RE = re.compile(r"^@?([\u4e00-\u9fff]{2,6}?)(你好|您好|问一下|问下|问个事|请问一下|请问|打扰一下|麻烦问一下)?"
                        r"[，,：:\s！!]")
_HONORIFIC_RE = re.compile(r"(姐|哥|叔|阿姨|老师|医生|师傅|经理|网格员|网格|书记|主任|社工|警官)$")


def addresses_someone(text: str) -> bool:
    """The message opens by addressing a person by role or name ("陆老师，…", "小沈，…")."""
    m = ADDRESS_RE.match(text)
    return m is not None and bool(_HONORIFIC_RE.search(m.group(1)) or re.fullmatch(r"[小老阿][\u4e00-\u9fff]", m.group(1)))


def address_of_staff(text: str, staff_names: Iterable[str]) -> str | None:
    """The opening address when it names staff: surname + role ("周网格"), or a name found in the
    nickname or self-introduction of someone who spoke as staff ("沈洁姐", "志明叔", "小钱", "赵医生")."""
    m = ADDRESS_RE.match(text)
    if m is None:
        return None
    token = m.group(1)
    if ASK_STAFF_RE.match(token):
        return token
    core = _HONORIFIC_RE.sub("", token)
    if not core:
        return None
    for name in staff_names:
        if len(core) >= 2 and core in name:
            return token
        if len(core) == 1 and core != token and core in _SURNAMES and re.search(rf"(^|[^\u4e00-\u9fff]|[小老阿]){core}", name):
            return token
    return None


# Staff introduced by someone else ("欢迎周婷，她是我们这块新的网格员", "这是新来的网格员小周"): the name
# residents will call them by, and the nickname they will answer under.
_STAFF_ROLE = r"(网格员|网格长|社工|社区工作人员|家庭医生|签约医生|书记|主任|民警|片警|警官|物业经理|管家|楼道长|楼长|单元长)"
_NAME = rf"([小老阿][{_SURNAMES}]|[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)"
_NAME_END = r"(?=[，,。.！!、；;\s~～]|是|就是|加入|进群|同志|负责|以后|今后|大家|$)"
_INTRO_RES = (
    re.compile(rf"(?:欢迎|介绍一下|介绍下|这是|这位是|这位)[^，。！!]{{0,12}}?{_STAFF_ROLE}[，,：:\s]?{_NAME}{_NAME_END}"),
    re.compile(rf"(?:欢迎|介绍一下|介绍下|这是|这位是|这位){_NAME}{_NAME_END}[^。！!]{{0,20}}?{_STAFF_ROLE}"),
    re.compile(rf"{_NAME}(?:是|就是)[^，。！!]{{0,12}}?(?:新来的|新的|新任|我们的|咱们的|这块的|这片的|负责的)[^，。！!]{{0,6}}?{_STAFF_ROLE}"),
)


def introduced_staff(text: str) -> list[str]:
    """Names of staff whom this message introduces to the group."""
    out = []
    for rx in _INTRO_RES:
        for m in rx.finditer(text):
            name = next(g for g in m.groups() if g and not re.fullmatch(_STAFF_ROLE, g))
            if name not in out:
                out.append(name)
    return out


def nick_is_introduced(sender: str, name: str) -> bool:
    """Whether a nickname is the introduced staff member's: it holds the name (周婷🌸, 二网格周婷), is the
    given name (佳怡🌷 for 沈佳怡), or the surname as people write it (小周, 周婷) when the name was 小周 / 周婷."""
    han = "".join(_HAN_RE.findall(sender or ""))
    if len(name) >= 2 and name in han:
        return True
    if len(name) == 3 and name[0] not in "小老阿" and han == name[1:]:
        return True                      # 沈佳怡 answers as 佳怡🌷
    surname = name[1] if name[0] in "小老阿" else name[0]
    return nick_surname_fits(sender, surname)


def nick_surname_fits(sender: str, surname: str) -> bool:
    """Whether a nickname is that surname as people write it: 小杨, 老周🌻, 杨伟, 阿陈."""
    han = "".join(_HAN_RE.findall(sender or ""))
    return bool(re.fullmatch(rf"[小老阿]?{surname}[\u4e00-\u9fff]{{0,2}}", han)) and len(han) <= 3


_EMOJI_CUES = {"laugh_emoji": ("😂", "🤣", "😄", "😆", "[偷笑]", "[破涕为笑]", "[呲牙]", "😁"),
               "thanks": ("👍", "🙏", "[强]", "[抱拳]", "[合十]", "[玫瑰]", "🌹", "👏", "💐", "[鼓掌]"),
               "greeting": ("☀️", "🌞", "🌙", "[太阳]", "[月亮]")}


# A day-and-visit phrase ("今天上午来换") closed as a question: the resident asks whether they come.
_ASKS_WHEN_RE = re.compile(rf"{_DAY}[^，,。！!？?]{{0,8}}{_VISIT}[^，,。！!？?]{{0,6}}(伐|吗|嘛|没|不|[?？])")
# Where a thank-you turns to another matter: a sentence's end or a turn word after it.
_NEW_MATTER_RE = re.compile(r"(谢谢|感谢|多谢|辛苦)[^。！!？?；;\n]*?([。！!？?；;\n]|另外|不过|就是|但是?|可是|还有|只是|顺便)")
# 还是 as "or" ("是抄词语还是背课文？", "4楼还是5楼"), not as "still" ("还是没水")
_CHOICE_RE = re.compile(r"是[^，,。！!？?]{1,15}还是|还是(?![没不弗])[^，,。！!？?]{0,12}[?？]")
_BUT_STILL_RE = re.compile(r"(但是?|可是|不过|就是)[^。！!？?]{0,10}(没|不|还|又|坏|漏|堵|停)")
_PASSIVE_RE = re.compile(r"被(?![子单套褥])[^，,。！!？?]{0,6}$")   # 被子 is a quilt


def cue_hits(text: str, emoji: Iterable[str] = ()) -> dict[str, list[str]]:
    """Cue name → the words that matched (for features and for the reason shown to staff); emoji
    removed from the text still count (😂 laughs, 👍 thanks)."""
    out = {}
    for name, (_label, rx) in CUES.items():
        found = [m.group(0) for m in rx.finditer(text)]
        if found:
            out[name] = found
    for e in emoji:
        for name, marks in _EMOJI_CUES.items():
            if any(mk in e for mk in marks):
                out.setdefault(name, []).append(e)
    if "commit" in out and "question" in out and _ASKS_WHEN_RE.search(text) and not _STRONG_COMMIT_RE.search(text):
        del out["commit"]                    # "王师傅今天上午来换管子伐？" asks for the promise, makes none
    if ("thanks" in out or "ack" in out) and (m := _NEW_MATTER_RE.search(text)):
        after = text[m.end():]
        if any(w in after for k in ("problem", "danger", "request", "again", "question", "followup")
               for w in out.get(k, ())) or _BUT_STILL_RE.match(text, m.start(2)) \
                or _BUT_STILL_RE.match(text, m.end()):
            out.pop("thanks", None)          # "谢谢周师傅上门。另外吾家水龙头一直滴…": thanks, then a new problem
            out.pop("ack", None)
    if "recall" in out and "metoo" in out:
        # "上回也是这样": the 也是 of a memory agrees with nothing said now
        spans = [m.span() for m in CUES["recall"][1].finditer(text)]
        kept = [m.group(0) for m in CUES["metoo"][1].finditer(text)
                if not any(a <= m.start() < b for a, b in spans)]
        if kept:
            out["metoo"] = kept
        else:
            del out["metoo"]
    if "还是" in out.get("duration", ()) and _CHOICE_RE.search(text):
        out["duration"] = [w for w in out["duration"] if w != "还是"]   # a choice asks, it does not persist
        if not out["duration"]:
            del out["duration"]
    if "resolved" in out:
        # "窨井盖不晓得被哪个弄走了": taken away, not put right
        done = [m.group(0) for m in CUES["resolved"][1].finditer(text) if not _PASSIVE_RE.search(text, 0, m.start())]
        if done:
            out["resolved"] = done
        else:
            del out["resolved"]
    if "resolved" in out and _BUT_STILL_RE.search(text, text.rfind(out["resolved"][-1])):
        del out["resolved"]                  # "来电了但是没水": one thing fixed, another not
    return out


def features(c: Cleaned, msg: Message, tri, *, staff_seen: bool, hits: dict | None = None) -> dict[str, float]:
    """The model's input for one message (every value 0..~1)."""

    t = c.text.lower()
    hits = hits if hits is not None else cue_hits(t, c.emoji)
    f = {k: min(1.0, 0.6 + 0.2 * len(v)) for k, v in hits.items()}
    n_han = len(_HAN_RE.findall(c.text))
    f["len"] = min(1.0, math.log1p(n_han) / math.log(80))
    f["short"] = 1.0 if n_han <= 4 else 0.0
    f["multiline"] = 1.0 if "\n" in msg.raw.strip() else 0.0
    f["emoji_only"] = 1.0 if n_han == 0 and (c.emoji or c.media) else 0.0
    f["staff_nick"] = 1.0 if is_staff_nick(msg.sender) else 0.0
    f["staff_seen"] = 1.0 if staff_seen else 0.0
    f["mention"] = 1.0 if c.mentions else 0.0
    f["mention_staff"] = 1.0 if any(is_staff_nick(m) for m in c.mentions) else 0.0
    f["quote"] = 1.0 if c.quote_text else 0.0
    if tri is not None:
        specific = [k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS]
        f["concepts"] = min(1.0, 0.5 * len(specific) + 0.25 * (len(tri.concepts) - len(specific)))
        f["urgent_rule"] = 1.0 if tri.urgent else 0.0
        f["cat_conf"] = float(tri.category_confidence) if tri.category != "other" else 0.0
        f[f"type_{tri.type}"] = 1.0
    q = f.get("question", 0.0)
    prob = max(f.get("problem", 0.0), f.get("concepts", 0.0))
    f["q_service"] = q * f.get("service", 0.0)
    f["q_plain"] = q * (1.0 - prob) * (1.0 - f.get("service", 0.0))
    f["problem_first"] = prob * max(f.get("first_person", 0.0), f.get("place", 0.0))
    f["problem_resolved"] = prob * f.get("resolved", 0.0)
    f["thanks_only"] = f.get("thanks", 0.0) * (1.0 - prob) * (1.0 - f.get("request", 0.0))
    f["staff_problem"] = prob * max(f["staff_nick"], f["staff_seen"])
    f["leader_nick"] = 1.0 if LEADER_NICK_RE.search(msg.sender or "") else 0.0
    f["leader_problem"] = prob * f["leader_nick"]
    if tri is not None:
        f["urgency"] = float(getattr(tri, "urgency", 0.0))
    return {k: v for k, v in f.items() if v}


class DemandModel:
    """A linear model over ``FEATURE_NAMES``: p(demand) = σ(w·x + b). Weights are plain floats.

    ``meaning`` is a logistic head over a message's meaning vector (``triage.engine.embed``): what it
    says, beyond the cue words, read as p(demand); that p is the ``meaning`` feature. ``fast`` is the
    same model fitted without that feature, for when no embedder runs (turned off, wheel missing)."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float = 0.5, meta: dict | None = None,
                 *, meaning: dict | None = None, fast: DemandModel | None = None):
        self.weights, self.bias, self.threshold, self.meta = weights, bias, threshold, meta or {}
        self.meaning, self.fast = meaning, fast
        self._coef = None if meaning is None else np.asarray(meaning["coef"], dtype=np.float64)

    @classmethod
    def load(cls, path: str | Path | None = None) -> DemandModel:
        import joblib

        d = joblib.load(path or MODEL_PATH)
        if d.get("version") != MODEL_VERSION:
            raise ValueError(f"chat model version {d.get('version')} != {MODEL_VERSION}; retrain")
        return cls._from(d)

    @classmethod
    def _from(cls, d: dict) -> DemandModel:
        fast = cls._from(d["fast"]) if d.get("fast") else None
        return cls(d["weights"], d["bias"], d.get("threshold", 0.5), d.get("meta"), meaning=d.get("meaning"),
                   fast=fast)

    def _as_dict(self) -> dict:
        return {"weights": self.weights, "bias": self.bias, "threshold": self.threshold, "meta": self.meta,
                "meaning": self.meaning, "fast": self.fast._as_dict() if self.fast is not None else None}

    def save(self, path: str | Path | None = None) -> Path:
        import joblib

        p = Path(path or MODEL_PATH)
        joblib.dump({"version": MODEL_VERSION, **self._as_dict()}, p, compress=3)
        return p

    def set_threshold(self, t: float) -> None:
        self.threshold = t
        if self.fast is not None:
            self.fast.threshold = t

    def meaning_p(self, vector) -> float | None:
        """p(demand) read from a message's meaning vector, or None without a meaning head."""
        if self._coef is None or vector is None:
            return None
        z = float(np.asarray(vector, dtype=np.float64) @ self._coef) + float(self.meaning["bias"])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def for_features(self, f: dict[str, float]) -> DemandModel:
        """The model that scores ``f``: this one, or its fast twin when ``f`` has no meaning reading."""
        return self if "meaning" in f or self.fast is None else self.fast

    def score(self, f: dict[str, float]) -> tuple[float, list[tuple[str, float]]]:
        contrib = [(k, v * self.weights.get(k, 0.0)) for k, v in f.items()]
        z = self.bias + sum(c for _k, c in contrib)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return p, sorted(contrib, key=lambda kc: -abs(kc[1]))


_MODEL: DemandModel | None = None


def default_model() -> DemandModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = DemandModel.load()
    return _MODEL


@dataclass
class Decision:
    """What the extractor decided about one message."""

    message: Message
    text: str
    demand: bool
    score: float
    reason: str
    kind: str                       # report | follow_up | me_too | detail | staff | system | media | chat …
    category: str | None = None
    urgent: bool = False
    cluster: int | None = None
    follows: int | None = None      # line of the message this one follows up / answers
    cleaned: Cleaned | None = field(default=None, repr=False)
    result: object = field(default=None, repr=False)   # the triage engine's TriageResult
    thread: int | None = field(default=None, repr=False)  # cluster a staff reply / non-demand relates to
    maybe_urgent: bool = False      # no demand by the model, but a present danger: a reviewer should look

    @property
    def line(self) -> int:
        return self.message.line

    @property
    def sender(self) -> str:
        return self.message.sender

    @property
    def time(self) -> datetime | None:
        return self.message.time

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category or "", self.category or "")

    def as_json(self) -> dict:
        """The `minsheng extract-chat` line (interfaces.md), with time and sender as extras."""
        return {"line": self.line, "text": self.text, "category": self.category, "urgent": bool(self.urgent),
                "cluster": self.cluster, "time": self.time.strftime("%Y-%m-%d %H:%M") if self.time else None,
                "sender": self.sender}


# ---------------------------------------------------------------------------------------------
# The meaning reading of one message (``DemandModel.meaning``)

def reads_meaning() -> bool:
    """Whether messages get a meaning reading here: the model has its head and an embedder runs."""
    return bool(default_model().meaning) and embed.available()


def meaning_reading(text: str, model: DemandModel | None = None) -> float | None:
    """A message's p(demand) read from its meaning vector (its cleaned text), or None when no
    embedder runs or the model has no meaning head."""
    model = model or default_model()
    emb = embed.get() if model.meaning else None
    return model.meaning_p(emb.encode_one(text)) if emb is not None else None
